import { NotFoundError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { StoredEvent } from '../types.ts';
import { encodeText, json, limitOrAll, number, text, toJsonText, type PostgresRow } from './columns.ts';
import type { PostgresConnection } from './connection.ts';

/** Like program sequences (programs.ts), an event's number is drawn with the run's row locked, in one call (`append_event`, migration 2). */
const appendEvent = 'SELECT append_event($1, $2, $3, $4) AS sequence';

export class PostgresEvents {
  readonly #connection: PostgresConnection;
  readonly #now: () => number;

  constructor(connection: PostgresConnection, now: () => number) {
    this.#connection = connection;
    this.#now = now;
  }

  async append(runId: string, type: string, data: JsonObject): Promise<StoredEvent> {
    const at = this.#now();
    const { rows } = await this.#connection.query(appendEvent, [runId, encodeText(type), at, toJsonText(data)]);
    const sequence = number(rows[0] ?? {}, 'sequence');
    if (sequence === -1) throw new NotFoundError('run', runId);
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
