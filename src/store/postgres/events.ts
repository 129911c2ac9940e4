import { NotFoundError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { StoredEvent } from '../types.ts';
import { encodeText, json, limitOrAll, number, text, toJsonText, type PostgresRow } from './columns.ts';
import type { PostgresConnection } from './connection.ts';

/** Like program sequences (programs.ts), an event's number is drawn with the run's row locked. */
const lockRun = 'SELECT 1 FROM runs WHERE id = $1 FOR NO KEY UPDATE';
const insertEvent = `
  INSERT INTO events (run_id, sequence, type, at, data)
  SELECT $1, COALESCE(MAX(sequence), 0) + 1, $2, $3, $4 FROM events WHERE run_id = $1
  RETURNING sequence`;

export class PostgresEvents {
  readonly #connection: PostgresConnection;
  readonly #now: () => number;

  constructor(connection: PostgresConnection, now: () => number) {
    this.#connection = connection;
    this.#now = now;
  }

  async append(runId: string, type: string, data: JsonObject): Promise<StoredEvent> {
    const at = this.#now();
    const sequence = await this.#connection.transaction(async (client) => {
      const run = await this.#connection.query(lockRun, [runId], client);
      if (run.rows.length === 0) throw new NotFoundError('run', runId);
      const inserted = await this.#connection.query(insertEvent, [runId, encodeText(type), at, toJsonText(data)], client);
      return number(inserted.rows[0] ?? {}, 'sequence');
    });
    return { runId, sequence, type, at, data: structuredClone(data) };
  }

  async list(runId: string, options: { afterSequence?: number; limit?: number } = {}): Promise<StoredEvent[]> {
    const { rows } = await this.#connection.query(
      'SELECT * FROM events WHERE run_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3',
      [runId, options.afterSequence ?? 0, limitOrAll(options.limit)],
    );
    return rows.map(toEvent);
  }
}

function toEvent(row: PostgresRow): StoredEvent {
  return {
    runId: text(row, 'run_id'),
    sequence: number(row, 'sequence'),
    type: text(row, 'type'),
    at: number(row, 'at'),
    data: json<JsonObject>(row, 'data'),
  };
}
