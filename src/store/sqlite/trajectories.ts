import { NotFoundError, StoreError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { TrajectoryRecord, TrajectoryStatus, TrajectoryStep, TrajectoryWithSteps } from '../types.ts';
import { json, jsonOrNull, limitOrAll, number, text, textOrNull, toJsonText, toJsonTextOrNull, type SqliteRow } from './columns.ts';
import type { SqliteConnection } from './connection.ts';
import { isConstraintFailure } from './errors.ts';

/** Writing a trajectory again replaces its fields (status, verdict, totals) and keeps its steps. */
const upsertTrajectory = `
  INSERT INTO trajectories (
    id, run_id, task_id, task, status, answer, verdict, model, tokens_in, tokens_out, cost_usd, created_at, updated_at
  ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET
    run_id = excluded.run_id, task_id = excluded.task_id, task = excluded.task, status = excluded.status,
    answer = excluded.answer, verdict = excluded.verdict, model = excluded.model, tokens_in = excluded.tokens_in,
    tokens_out = excluded.tokens_out, cost_usd = excluded.cost_usd, created_at = excluded.created_at,
    updated_at = excluded.updated_at`;

export class SqliteTrajectories {
  readonly #connection: SqliteConnection;

  constructor(connection: SqliteConnection) {
    this.#connection = connection;
  }

  put(trajectory: TrajectoryRecord): void {
    try {
      this.#connection
        .statement(upsertTrajectory)
        .run(
          trajectory.id,
          trajectory.runId,
          trajectory.taskId,
          trajectory.task,
          trajectory.status,
          trajectory.answer,
          toJsonTextOrNull(trajectory.verdict),
          trajectory.model,
          trajectory.tokensIn,
          trajectory.tokensOut,
          trajectory.costUsd,
          trajectory.createdAt,
          trajectory.updatedAt,
        );
    } catch (error) {
      if (isConstraintFailure(error) && trajectory.runId !== null) throw new NotFoundError('run', trajectory.runId);
      throw error;
    }
  }

  /** Steps are append-only: an index already written is an error rather than a silent overwrite. */
  appendStep(trajectoryId: string, step: TrajectoryStep): void {
    try {
      this.#connection
        .statement('INSERT INTO trajectory_steps (trajectory_id, step_index, type, at, data) VALUES (?, ?, ?, ?, ?)')
        .run(trajectoryId, step.index, step.type, step.at, toJsonText(step.data));
    } catch (error) {
      if (!isConstraintFailure(error)) throw error;
      if (this.#connection.statement('SELECT 1 FROM trajectories WHERE id = ?').get(trajectoryId) === undefined) {
        throw new NotFoundError('trajectory', trajectoryId);
      }
      throw new StoreError(`trajectory ${trajectoryId} already has a step ${step.index}`, {
        code: 'trajectory-step-exists',
        cause: error,
      });
    }
  }

  get(id: string): TrajectoryWithSteps | undefined {
    const row = this.#connection.statement('SELECT * FROM trajectories WHERE id = ?').get(id);
    if (row === undefined) return undefined;
    const steps = this.#connection
      .statement('SELECT * FROM trajectory_steps WHERE trajectory_id = ? ORDER BY step_index')
      .all(id)
      .map(toStep);
    return { ...toTrajectory(row), steps };
  }

  /** Oldest first (createdAt, then id). */
  list(filter: { runId?: string; taskId?: string; limit?: number } = {}): TrajectoryRecord[] {
    const conditions: string[] = [];
    const parameters: (string | number)[] = [];
    if (filter.runId !== undefined) {
      conditions.push('run_id = ?');
      parameters.push(filter.runId);
    }
    if (filter.taskId !== undefined) {
      conditions.push('task_id = ?');
      parameters.push(filter.taskId);
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    // At most four distinct texts, so the statement cache stays small.
    return this.#connection
      .statement(`SELECT * FROM trajectories ${where} ORDER BY created_at, id LIMIT ?`)
      .all(...parameters, limitOrAll(filter.limit))
      .map(toTrajectory);
  }
}

function toTrajectory(row: SqliteRow): TrajectoryRecord {
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

function toStep(row: SqliteRow): TrajectoryStep {
  return { index: number(row, 'step_index'), type: text(row, 'type'), at: number(row, 'at'), data: json<JsonObject>(row, 'data') };
}
