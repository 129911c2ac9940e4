import { NotFoundError, StoreError } from '../../core/errors.ts';
import { createId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import type { NewRun, RunKind, RunRecord, RunStatus } from '../types.ts';
import { json, number, text, type SqliteRow, limitOrAll, toJsonText } from './columns.ts';
import type { SqliteConnection } from './connection.ts';
import { isConstraintFailure } from './errors.ts';

export class SqliteRuns {
  readonly #connection: SqliteConnection;
  readonly #now: () => number;

  constructor(connection: SqliteConnection, now: () => number) {
    this.#connection = connection;
    this.#now = now;
  }

  create(run: NewRun): RunRecord {
    const id = run.id ?? createId('run');
    const now = this.#now();
    try {
      this.#connection
        .statement(
          'INSERT INTO runs (id, kind, name, status, config, summary, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, run.kind, run.name, 'running', toJsonText(run.config), '{}', now, now);
    } catch (error) {
      if (isConstraintFailure(error)) throw new StoreError(`run already exists: ${id}`, { code: 'run-exists', cause: error });
      throw error;
    }
    return { id, kind: run.kind, name: run.name, status: 'running', config: run.config, summary: {}, createdAt: now, updatedAt: now };
  }

  get(id: string): RunRecord | undefined {
    const row = this.#connection.statement('SELECT * FROM runs WHERE id = ?').get(id);
    return row === undefined ? undefined : toRun(row);
  }

  /** Newest first. */
  list(filter: { kind?: RunKind; limit?: number } = {}): RunRecord[] {
    const limit = limitOrAll(filter.limit);
    const rows =
      filter.kind === undefined
        ? this.#connection.statement('SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?').all(limit)
        : this.#connection
            .statement('SELECT * FROM runs WHERE kind = ? ORDER BY created_at DESC, id DESC LIMIT ?')
            .all(filter.kind, limit);
    return rows.map(toRun);
  }

  update(id: string, patch: { status?: RunStatus; summary?: JsonObject; config?: JsonObject }): RunRecord {
    // COALESCE keeps the columns the patch leaves out, in one statement (no read-modify-write race).
    const row = this.#connection
      .statement(
        `UPDATE runs SET status = COALESCE(?, status), summary = COALESCE(?, summary), config = COALESCE(?, config),
           updated_at = ? WHERE id = ? RETURNING *`,
      )
      .get(
        patch.status ?? null,
        patch.summary === undefined ? null : toJsonText(patch.summary),
        patch.config === undefined ? null : toJsonText(patch.config),
        this.#now(),
        id,
      );
    if (row === undefined) throw new NotFoundError('run', id);
    return toRun(row);
  }
}

function toRun(row: SqliteRow): RunRecord {
  return {
    id: text(row, 'id'),
    kind: text(row, 'kind') as RunKind,
    name: text(row, 'name'),
    status: text(row, 'status') as RunStatus,
    config: json<JsonObject>(row, 'config'),
    summary: json<JsonObject>(row, 'summary'),
    createdAt: number(row, 'created_at'),
    updatedAt: number(row, 'updated_at'),
  };
}
