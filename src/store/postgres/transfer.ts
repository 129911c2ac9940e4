import type { JsonValue } from '../../core/json.ts';
import type { RecordCounts, RecordTransfer, StateEntry } from '../record-transfer.ts';
import type { ArtifactRecord, ProgramRecord, RunRecord, StoredEvent, TrajectoryWithSteps, VersionRecord } from '../records.ts';
import { encodeText, encodeTextOrNull, number, text, toJsonText, toJsonTextOrNull } from './columns.ts';
import type { PostgresConnection } from './connection.ts';

/**
 * Bulk, idempotent writes for `lamarck store copy`. Each batch is one transaction of multi-row
 * statements whose rows travel as arrays (unnest), so a page of programs is one round trip.
 */
export class PostgresTransfer implements RecordTransfer {
  readonly #connection: PostgresConnection;

  constructor(connection: PostgresConnection) {
    this.#connection = connection;
  }

  async listStateEntries(): Promise<StateEntry[]> {
    const { rows } = await this.#connection.query('SELECT scope, key, value FROM state ORDER BY scope, key');
    return rows.map((row) => ({ scope: text(row, 'scope'), key: text(row, 'key'), value: JSON.parse(text(row, 'value')) as JsonValue }));
  }

  async importRuns(runs: RunRecord[]): Promise<number> {
    if (runs.length === 0) return 0;
    const { rows } = await this.#connection.pool.query(
      `INSERT INTO runs (id, kind, name, status, config, summary, created_at, updated_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[])
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, summary = excluded.summary, config = excluded.config, updated_at = excluded.updated_at
       RETURNING (xmax = 0) AS inserted`,
      [
        runs.map((run) => run.id),
        runs.map((run) => run.kind),
        runs.map((run) => encodeText(run.name)),
        runs.map((run) => run.status),
        runs.map((run) => toJsonText(run.config)),
        runs.map((run) => toJsonText(run.summary)),
        runs.map((run) => run.createdAt),
        runs.map((run) => run.updatedAt),
      ],
    );
    return rows.filter((row) => row['inserted'] === true).length;
  }

  async importPrograms(programs: ProgramRecord[]): Promise<number> {
    if (programs.length === 0) return 0;
    const column = <T>(pick: (program: ProgramRecord) => T): T[] => programs.map(pick);
    const result = await this.#connection.pool.query(
      `INSERT INTO programs (id, run_id, sequence, parent_id, inspiration_ids, island, generation, operator, files, diff, status,
         score, metrics, features, artifacts, failure, model, prompt, reply, tokens_in, tokens_out, cost_usd, timing, created_at, fingerprint)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::int[], $8::text[], $9::text[],
         $10::text[], $11::text[], $12::float8[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],
         $20::bigint[], $21::bigint[], $22::float8[], $23::text[], $24::bigint[], $25::text[])
       ON CONFLICT (id) DO NOTHING`,
      [
        column((program) => program.id),
        column((program) => program.runId),
        column((program) => program.sequence ?? 0),
        column((program) => program.parentId),
        column((program) => toJsonText(program.inspirationIds)),
        column((program) => program.island),
        column((program) => program.generation),
        column((program) => encodeText(program.operator)),
        column((program) => toJsonText(program.files)),
        column((program) => encodeText(program.diff)),
        column((program) => program.status),
        column((program) => program.score),
        column((program) => toJsonText(program.metrics)),
        column((program) => toJsonText(program.features)),
        column((program) => toJsonText(program.artifacts)),
        column((program) => toJsonTextOrNull(program.failure)),
        column((program) => encodeTextOrNull(program.model)),
        column((program) => encodeTextOrNull(program.prompt)),
        column((program) => encodeTextOrNull(program.reply)),
        column((program) => program.tokensIn),
        column((program) => program.tokensOut),
        column((program) => program.costUsd),
        column((program) => toJsonText(program.timing)),
        column((program) => program.createdAt),
        column((program) => program.fingerprint ?? null),
      ],
    );
    return result.rowCount ?? 0;
  }

  async importEvents(events: StoredEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const result = await this.#connection.pool.query(
      `INSERT INTO events (run_id, sequence, type, at, data)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[], $5::text[])
       ON CONFLICT (run_id, sequence) DO NOTHING`,
      [
        events.map((event) => event.runId),
        events.map((event) => event.sequence),
        events.map((event) => encodeText(event.type)),
        events.map((event) => event.at),
        events.map((event) => toJsonText(event.data)),
      ],
    );
    return result.rowCount ?? 0;
  }

  async importTrajectories(trajectories: TrajectoryWithSteps[]): Promise<number> {
    if (trajectories.length === 0) return 0;
    return this.#connection.transaction(async (client) => {
      await client.query(
        `INSERT INTO trajectories (id, run_id, task_id, task, status, answer, verdict, model, tokens_in, tokens_out, cost_usd, created_at, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[],
           $10::bigint[], $11::float8[], $12::bigint[], $13::bigint[])
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, answer = excluded.answer, verdict = excluded.verdict, model = excluded.model,
           tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out, cost_usd = excluded.cost_usd, updated_at = excluded.updated_at`,
        [
          trajectories.map((trajectory) => trajectory.id),
          trajectories.map((trajectory) => trajectory.runId),
          trajectories.map((trajectory) => trajectory.taskId),
          trajectories.map((trajectory) => encodeText(trajectory.task)),
          trajectories.map((trajectory) => trajectory.status),
          trajectories.map((trajectory) => encodeTextOrNull(trajectory.answer)),
          trajectories.map((trajectory) => toJsonTextOrNull(trajectory.verdict)),
          trajectories.map((trajectory) => encodeTextOrNull(trajectory.model)),
          trajectories.map((trajectory) => trajectory.tokensIn),
          trajectories.map((trajectory) => trajectory.tokensOut),
          trajectories.map((trajectory) => trajectory.costUsd),
          trajectories.map((trajectory) => trajectory.createdAt),
          trajectories.map((trajectory) => trajectory.updatedAt),
        ],
      );
      const steps = trajectories.flatMap((trajectory) => trajectory.steps.map((step) => ({ trajectoryId: trajectory.id, step })));
      if (steps.length === 0) return 0;
      const inserted = await client.query(
        `INSERT INTO trajectory_steps (trajectory_id, step_index, type, at, data)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[], $5::text[])
         ON CONFLICT (trajectory_id, step_index) DO NOTHING`,
        [
          steps.map((entry) => entry.trajectoryId),
          steps.map((entry) => entry.step.index),
          steps.map((entry) => encodeText(entry.step.type)),
          steps.map((entry) => entry.step.at),
          steps.map((entry) => toJsonText(entry.step.data)),
        ],
      );
      return inserted.rowCount ?? 0;
    });
  }

  async importArtifact(artifact: ArtifactRecord, versions: VersionRecord[]): Promise<number> {
    return this.#connection.transaction(async (client) => {
      await client.query(
        `INSERT INTO artifacts (id, kind, name, status, head_version_id, head_number, uses, successes, helpful, harmful, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, head_version_id = excluded.head_version_id, head_number = excluded.head_number,
           uses = excluded.uses, successes = excluded.successes, helpful = excluded.helpful, harmful = excluded.harmful, updated_at = excluded.updated_at`,
        [
          artifact.id,
          artifact.kind,
          encodeText(artifact.name),
          artifact.status,
          artifact.headVersionId,
          artifact.headNumber,
          artifact.uses,
          artifact.successes,
          artifact.helpful,
          artifact.harmful,
          artifact.createdAt,
          artifact.updatedAt,
        ],
      );
      if (versions.length === 0) return 0;
      const inserted = await client.query(
        `INSERT INTO versions (id, artifact_id, number, parent_ids, content, message, trajectory_ids, evaluation, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])
         ON CONFLICT (id) DO NOTHING`,
        [
          versions.map((version) => version.id),
          versions.map((version) => version.artifactId),
          versions.map((version) => version.number),
          versions.map((version) => toJsonText(version.parentIds)),
          versions.map((version) => toJsonText(version.content)),
          versions.map((version) => encodeText(version.message)),
          versions.map((version) => toJsonText(version.trajectoryIds)),
          versions.map((version) => toJsonText(version.evaluation)),
          versions.map((version) => version.createdAt),
        ],
      );
      return inserted.rowCount ?? 0;
    });
  }

  async importStateEntries(entries: StateEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const { rows } = await this.#connection.pool.query(
      `INSERT INTO state (scope, key, value, updated_at)
       SELECT scope, key, value, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS given (scope, key, value)
       ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
       RETURNING (xmax = 0) AS inserted`,
      [entries.map((entry) => entry.scope), entries.map((entry) => entry.key), entries.map((entry) => toJsonText(entry.value)), Date.now()],
    );
    return rows.filter((row) => row['inserted'] === true).length;
  }

  async countRecords(): Promise<RecordCounts> {
    const { rows } = await this.#connection.query(
      `SELECT (SELECT COUNT(*) FROM runs) AS runs, (SELECT COUNT(*) FROM programs) AS programs, (SELECT COUNT(*) FROM events) AS events,
         (SELECT COUNT(*) FROM trajectories) AS trajectories, (SELECT COUNT(*) FROM trajectory_steps) AS steps,
         (SELECT COUNT(*) FROM artifacts) AS artifacts, (SELECT COUNT(*) FROM versions) AS versions, (SELECT COUNT(*) FROM state) AS state`,
    );
    const row = rows[0] ?? {};
    return {
      runs: number(row, 'runs'),
      programs: number(row, 'programs'),
      events: number(row, 'events'),
      trajectories: number(row, 'trajectories'),
      trajectorySteps: number(row, 'steps'),
      artifacts: number(row, 'artifacts'),
      versions: number(row, 'versions'),
      state: number(row, 'state'),
    };
  }
}
