import type { JsonValue } from '../../core/json.ts';
import { text, toJsonText } from './columns.ts';
import type { SqliteConnection } from './connection.ts';

/** Named JSON documents; `null` is a stored value, distinct from a missing key (undefined). */
export class SqliteState {
  readonly #connection: SqliteConnection;
  readonly #now: () => number;

  constructor(connection: SqliteConnection, now: () => number) {
    this.#connection = connection;
    this.#now = now;
  }

  put(scope: string, key: string, value: JsonValue): void {
    this.#connection
      .statement(
        `INSERT INTO state (scope, key, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(scope, key, toJsonText(value), this.#now());
  }

  get(scope: string, key: string): JsonValue | undefined {
    const row = this.#connection.statement('SELECT value FROM state WHERE scope = ? AND key = ?').get(scope, key);
    return row === undefined ? undefined : (JSON.parse(text(row, 'value')) as JsonValue);
  }
}
