import { NotFoundError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { StoredEvent } from '../types.ts';
import { json, limitOrAll, number, text, toJsonText, type SqliteRow } from './columns.ts';
import type { SqliteConnection } from './connection.ts';
import { isConstraintFailure } from './errors.ts';

/** Like program sequences, an event's number is drawn inside its own INSERT (see programs.ts). */
const insertEvent = `
  INSERT INTO events (run_id, sequence, type, at, data)
  SELECT ?, COALESCE(MAX(sequence), 0) + 1, ?, ?, ? FROM events WHERE run_id = ?
  RETURNING sequence`;

export class SqliteEvents {
  readonly #connection: SqliteConnection;
  readonly #now: () => number;

  constructor(connection: SqliteConnection, now: () => number) {
    this.#connection = connection;
    this.#now = now;
  }

  append(runId: string, type: string, data: JsonObject): StoredEvent {
    const at = this.#now();
    let row;
    try {
      row = this.#connection.statement(insertEvent).get(runId, type, at, toJsonText(data), runId);
    } catch (error) {
      if (isConstraintFailure(error)) throw new NotFoundError('run', runId);
      throw error;
    }
    if (row === undefined) throw new NotFoundError('run', runId);
    return { runId, sequence: number(row, 'sequence'), type, at, data };
  }

  list(runId: string, options: { afterSequence?: number; limit?: number } = {}): StoredEvent[] {
    return this.#connection
      .statement('SELECT * FROM events WHERE run_id = ? AND sequence > ? ORDER BY sequence LIMIT ?')
      .all(runId, options.afterSequence ?? 0, limitOrAll(options.limit))
      .map(toEvent);
  }
}

function toEvent(row: SqliteRow): StoredEvent {
  return {
    runId: text(row, 'run_id'),
    sequence: number(row, 'sequence'),
    type: text(row, 'type'),
    at: number(row, 'at'),
    data: json<JsonObject>(row, 'data'),
  };
}
