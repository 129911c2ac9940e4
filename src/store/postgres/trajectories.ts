import { NotFoundError, StoreError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { TrajectoryRecord, TrajectoryStatus, TrajectoryStep, TrajectoryWithSteps } from '../types.ts';
import {
  encodeText,
  encodeTextOrNull,
  json,
  jsonOrNull,
  limitOrAll,
  number,
  text,
  textOrNull,
  toJsonText,
  toJsonTextOrNull,
  type PostgresRow,
} from './columns.ts';
import type { PostgresConnection } from './connection.ts';
import { isForeignKeyViolation, isUniqueViolation } from './errors.ts';

/** Writing a trajectory again replaces its fields (status, verdict, totals) and keeps its steps. */
const upsertTrajectory = `
  INSERT INTO trajectories (
    id, run_id, task_id, task, status, answer, verdict, model, tokens_in, tokens_out, cost_usd, created_at, updated_at
  ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
  ON CONFLICT (id) DO UPDATE SET
    run_id = excluded.run_id, task_id = excluded.task_id, task = excluded.task, status = excluded.status,
    answer = excluded.answer, verdict = excluded.verdict, model = excluded.model, tokens_in = excluded.tokens_in,
    tokens_out = excluded.tokens_out, cost_usd = excluded.cost_usd, created_at = excluded.created_at,
    updated_at = excluded.updated_at`;

export class PostgresTrajectories {
  readonly #connection: PostgresConnection;

  constructor(connection: PostgresConnection) {
    this.#connection = connection;
  }

  async put(trajectory: TrajectoryRecord): Promise<void> {
    try {
      await this.#connection.query(upsertTrajectory, [
        trajectory.id,
        trajectory.runId,
        trajectory.taskId,
        encodeText(trajectory.task),
        trajectory.status,
        encodeTextOrNull(trajectory.answer),
        toJsonTextOrNull(trajectory.verdict),
        encodeTextOrNull(trajectory.model),
        trajectory.tokensIn,
        trajectory.tokensOut,
        trajectory.costUsd,
        trajectory.createdAt,
        trajectory.updatedAt,
      ]);
    } catch (error) {
      if (isForeignKeyViolation(error) && trajectory.runId !== null) throw new NotFoundError('run', trajectory.runId);
      throw error;
    }
  }

  /** Steps are append-only: an index already written is an error rather than a silent overwrite. */
  async appendStep(trajectoryId: string, step: TrajectoryStep): Promise<void> {
    try {
      await this.#connection.query('INSERT INTO trajectory_steps (trajectory_id, step_index, type, at, data) VALUES ($1, $2, $3, $4, $5)', [
        trajectoryId,
        step.index,
        encodeText(step.type),
        step.at,
        toJsonText(step.data),
      ]);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new NotFoundError('trajectory', trajectoryId);
      if (isUniqueViolation(error)) {
        throw new StoreError(`trajectory ${trajectoryId} already has a step ${step.index}`, { code: 'trajectory-step-exists' });
      }
      throw error;
    }
  }

  async get(id: string): Promise<TrajectoryWithSteps | undefined> {
    const { rows } = await this.#connection.query('SELECT * FROM trajectories WHERE id = $1', [id]);
    if (rows[0] === undefined) return undefined;
    const steps = await this.#connection.query('SELECT * FROM trajectory_steps WHERE trajectory_id = $1 ORDER BY step_index', [id]);
    return { ...toTrajectory(rows[0]), steps: steps.rows.map(toStep) };
  }

  /** Oldest first (createdAt, then id). One statement text whatever the filter, so it is prepared once. */
  async list(filter: { runId?: string; taskId?: string; limit?: number } = {}): Promise<TrajectoryRecord[]> {
    const { rows } = await this.#connection.query(
      `SELECT * FROM trajectories WHERE ($1::text IS NULL OR run_id = $1) AND ($2::text IS NULL OR task_id = $2)
       ORDER BY created_at, id COLLATE "C" LIMIT $3`,
      [filter.runId ?? null, filter.taskId ?? null, limitOrAll(filter.limit)],
    );
    return rows.map(toTrajectory);
  }
}

function toTrajectory(row: PostgresRow): TrajectoryRecord {
  return {
    id: text(row, 'id'),
    runId: textOrNull(row, 'run_id'),
    taskId: textOrNull(row, 'task_id'),
    task: text(row, 'task'),
    status: text(row, 'status') as TrajectoryStatus,
    answer: textOrNull(row, 'answer'),
    verdict: jsonOrNull<JsonObject>(row, 'verdict'),
    model: textOrNull(row, 'model'),
    tokensIn: number(row, 'tokens_in'),
    tokensOut: number(row, 'tokens_out'),
    costUsd: number(row, 'cost_usd'),
    createdAt: number(row, 'created_at'),
    updatedAt: number(row, 'updated_at'),
  };
}

function toStep(row: PostgresRow): TrajectoryStep {
  return { index: number(row, 'step_index'), type: text(row, 'type'), at: number(row, 'at'), data: json<JsonObject>(row, 'data') };
}
