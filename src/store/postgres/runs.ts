import { NotFoundError, StoreError } from '../../core/errors.ts';
import { createId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import type { NewRun, RunKind, RunRecord, RunStatus } from '../types.ts';
import { encodeText, json, limitOrAll, number, text, toJsonText, type PostgresRow } from './columns.ts';
import type { PostgresConnection } from './connection.ts';
import { isUniqueViolation } from './errors.ts';

export class PostgresRuns {
  readonly #connection: PostgresConnection;
  readonly #now: () => number;

  constructor(connection: PostgresConnection, now: () => number) {
    this.#connection = connection;
    this.#now = now;
  }

  async create(run: NewRun): Promise<RunRecord> {
    const id = run.id ?? createId('run');
    const now = this.#now();
    try {
      await this.#connection.query(
        'INSERT INTO runs (id, kind, name, status, config, summary, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [id, run.kind, encodeText(run.name), 'running', toJsonText(run.config), '{}', now, now],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreError(`run already exists: ${id}`, { code: 'run-exists' });
      throw error;
    }
    return { id, kind: run.kind, name: run.name, status: 'running', config: structuredClone(run.config), summary: {}, createdAt: now, updatedAt: now };
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.#connection.query('SELECT * FROM runs WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toRun(rows[0]);
  }

  /** Newest first. */
  async list(filter: { kind?: RunKind; limit?: number } = {}): Promise<RunRecord[]> {
    const { rows } = await this.#connection.query(
      'SELECT * FROM runs WHERE ($1::text IS NULL OR kind = $1) ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $2',
      [filter.kind ?? null, limitOrAll(filter.limit)],
    );
    return rows.map(toRun);
  }

  async update(id: string, patch: { status?: RunStatus; summary?: JsonObject; config?: JsonObject }): Promise<RunRecord> {
    // COALESCE keeps the columns the patch leaves out, in one statement (no read-modify-write race).
    const { rows } = await this.#connection.query(
      `UPDATE runs SET status = COALESCE($1, status), summary = COALESCE($2, summary), config = COALESCE($3, config),
         updated_at = $4 WHERE id = $5 RETURNING *`,
      [
        patch.status ?? null,
        patch.summary === undefined ? null : toJsonText(patch.summary),
        patch.config === undefined ? null : toJsonText(patch.config),
        this.#now(),
        id,
      ],
    );
    if (rows[0] === undefined) throw new NotFoundError('run', id);
    return toRun(rows[0]);
  }
}

export function toRun(row: PostgresRow): RunRecord {
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
