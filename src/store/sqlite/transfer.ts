import type { JsonValue } from '../../core/json.ts';
import type { RecordCounts, RecordTransfer, StateEntry } from '../record-transfer.ts';
import type { ArtifactRecord, ProgramRecord, RunRecord, StoredEvent, TrajectoryWithSteps, VersionRecord } from '../records.ts';
import { number, text, toJsonText, toJsonTextOrNull } from './columns.ts';
import type { SqliteConnection } from './connection.ts';

/** Bulk, idempotent writes for `lamarck store copy`: each batch is one IMMEDIATE transaction of prepared inserts. */
export class SqliteTransfer implements RecordTransfer {
  readonly #connection: SqliteConnection;

  constructor(connection: SqliteConnection) {
    this.#connection = connection;
  }

  async listStateEntries(): Promise<StateEntry[]> {
    return this.#connection
      .statement('SELECT scope, key, value FROM state ORDER BY scope, key')
      .all()
      .map((row) => ({ scope: text(row, 'scope'), key: text(row, 'key'), value: JSON.parse(text(row, 'value')) as JsonValue }));
  }

  async importRuns(runs: RunRecord[]): Promise<number> {
    return this.#each(
      runs,
      `INSERT INTO runs (id, kind, name, status, config, summary, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, summary = excluded.summary, config = excluded.config, updated_at = excluded.updated_at`,
      (run) => [run.id, run.kind, run.name, run.status, toJsonText(run.config), toJsonText(run.summary), run.createdAt, run.updatedAt],
      'SELECT 1 FROM runs WHERE id = ?',
      (run) => [run.id],
    );
  }

  async importPrograms(programs: ProgramRecord[]): Promise<number> {
    return this.#each(
      programs,
      `INSERT INTO programs (id, run_id, sequence, parent_id, inspiration_ids, island, generation, operator, files, diff, status, score,
         metrics, features, artifacts, failure, model, prompt, reply, tokens_in, tokens_out, cost_usd, timing, created_at, fingerprint)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      (program) => [
        program.id, program.runId, program.sequence ?? 0, program.parentId, toJsonText(program.inspirationIds), program.island,
        program.generation, program.operator, toJsonText(program.files), program.diff, program.status, program.score,
        toJsonText(program.metrics), toJsonText(program.features), toJsonText(program.artifacts), toJsonTextOrNull(program.failure),
        program.model, program.prompt, program.reply, program.tokensIn, program.tokensOut, program.costUsd, toJsonText(program.timing),
        program.createdAt, program.fingerprint ?? null,
      ],
    );
  }

  async importEvents(events: StoredEvent[]): Promise<number> {
    return this.#each(
      events,
      'INSERT INTO events (run_id, sequence, type, at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, sequence) DO NOTHING',
      (event) => [event.runId, event.sequence, event.type, event.at, toJsonText(event.data)],
    );
  }

  async importTrajectories(trajectories: TrajectoryWithSteps[]): Promise<number> {
    return this.#connection.immediate(() => {
      const upsert = this.#connection.statement(
        `INSERT INTO trajectories (id, run_id, task_id, task, status, answer, verdict, model, tokens_in, tokens_out, cost_usd, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, answer = excluded.answer, verdict = excluded.verdict, model = excluded.model,
           tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out, cost_usd = excluded.cost_usd, updated_at = excluded.updated_at`,
      );
      const insertStep = this.#connection.statement(
        'INSERT INTO trajectory_steps (trajectory_id, step_index, type, at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      );
      let steps = 0;
      for (const trajectory of trajectories) {
        upsert.run(
          trajectory.id, trajectory.runId, trajectory.taskId, trajectory.task, trajectory.status, trajectory.answer,
          toJsonTextOrNull(trajectory.verdict), trajectory.model, trajectory.tokensIn, trajectory.tokensOut, trajectory.costUsd,
          trajectory.createdAt, trajectory.updatedAt,
        );
        for (const step of trajectory.steps) {
          steps += Number(insertStep.run(trajectory.id, step.index, step.type, step.at, toJsonText(step.data)).changes);
        }
      }
      return steps;
    });
  }

  async importArtifact(artifact: ArtifactRecord, versions: VersionRecord[]): Promise<number> {
    return this.#connection.immediate(() => {
      this.#connection
        .statement(
          `INSERT INTO artifacts (id, kind, name, status, head_version_id, head_number, uses, successes, helpful, harmful, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET status = excluded.status, head_version_id = excluded.head_version_id, head_number = excluded.head_number,
             uses = excluded.uses, successes = excluded.successes, helpful = excluded.helpful, harmful = excluded.harmful, updated_at = excluded.updated_at`,
        )
        .run(
          artifact.id, artifact.kind, artifact.name, artifact.status, artifact.headVersionId, artifact.headNumber, artifact.uses,
          artifact.successes, artifact.helpful, artifact.harmful, artifact.createdAt, artifact.updatedAt,
        );
      const insertVersion = this.#connection.statement(
        `INSERT INTO versions (id, artifact_id, number, parent_ids, content, message, trajectory_ids, evaluation, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      );
      let inserted = 0;
      for (const version of versions) {
        inserted += Number(
          insertVersion.run(
            version.id, version.artifactId, version.number, toJsonText(version.parentIds), toJsonText(version.content), version.message,
            toJsonText(version.trajectoryIds), toJsonText(version.evaluation), version.createdAt,
          ).changes,
        );
      }
      return inserted;
    });
  }

  async importStateEntries(entries: StateEntry[]): Promise<number> {
    const now = Date.now();
    return this.#each(
      entries,
      `INSERT INTO state (scope, key, value, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      (entry) => [entry.scope, entry.key, toJsonText(entry.value), now],
      'SELECT 1 FROM state WHERE scope = ? AND key = ?',
      (entry) => [entry.scope, entry.key],
    );
  }

  async countRecords(): Promise<RecordCounts> {
    const count = (table: string): number => number(this.#connection.statement(`SELECT COUNT(*) AS count FROM ${table}`).get() ?? {}, 'count');
    return {
      runs: count('runs'),
      programs: count('programs'),
      events: count('events'),
      trajectories: count('trajectories'),
      trajectorySteps: count('trajectory_steps'),
      artifacts: count('artifacts'),
      versions: count('versions'),
      state: count('state'),
    };
  }

  /**
   * Runs one insert per record in one transaction and counts the new ones: by `changes` for plain
   * inserts, or, for upserts (which change a row either way), by whether the key was there before.
   */
  #each<T>(
    records: T[],
    sql: string,
    values: (record: T) => (string | number | null)[],
    existsSql?: string,
    key?: (record: T) => (string | number)[],
  ): number {
    if (records.length === 0) return 0;
    return this.#connection.immediate(() => {
      const statement = this.#connection.statement(sql);
      const exists = existsSql === undefined ? undefined : this.#connection.statement(existsSql);
      let inserted = 0;
      for (const record of records) {
        if (exists !== undefined && key !== undefined) {
          const present = exists.get(...key(record)) !== undefined;
          statement.run(...values(record));
          if (!present) inserted += 1;
        } else {
          inserted += Number(statement.run(...values(record)).changes);
        }
      }
      return inserted;
    });
  }
}
