import { sameJson, type JsonValue } from '../../core/json.ts';
import { text, toJsonText } from './columns.ts';
import type { PostgresConnection } from './connection.ts';

const upsertState = `
  INSERT INTO state (scope, key, value, updated_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;

/** Named JSON documents; `null` is a stored value, distinct from a missing key (undefined). */
export class PostgresState {
  readonly #connection: PostgresConnection;
  readonly #now: () => number;

  constructor(connection: PostgresConnection, now: () => number) {
    this.#connection = connection;
    this.#now = now;
  }

  async put(scope: string, key: string, value: JsonValue): Promise<void> {
    await this.#connection.query(upsertState, [scope, key, toJsonText(value), this.#now()]);
  }

  async get(scope: string, key: string): Promise<JsonValue | undefined> {
    const { rows } = await this.#connection.query('SELECT value FROM state WHERE scope = $1 AND key = $2', [scope, key]);
    return rows[0] === undefined ? undefined : (JSON.parse(text(rows[0], 'value')) as JsonValue);
  }

  /**
   * A real compare-and-set across processes. Where a value is expected, its row is read FOR UPDATE:
   * a concurrent compare-and-set on the same key waits for this transaction, then reads the value
   * written here (READ COMMITTED re-reads a row it waited for) and so fails its comparison. Where
   * the key is expected absent, the insert itself decides: of two racing inserts exactly one
   * creates the row and the other does nothing.
   */
  async compareAndSet(scope: string, key: string, expected: JsonValue | undefined, next: JsonValue | undefined): Promise<boolean> {
    if (expected === undefined) {
      if (next === undefined) return (await this.get(scope, key)) === undefined;
      const { rows } = await this.#connection.query(
        'INSERT INTO state (scope, key, value, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, key) DO NOTHING RETURNING 1 AS created',
        [scope, key, toJsonText(next), this.#now()],
      );
      return rows.length === 1;
    }
    return this.#connection.transaction(async (client) => {
      const { rows } = await this.#connection.query('SELECT value FROM state WHERE scope = $1 AND key = $2 FOR UPDATE', [scope, key], client);
      if (rows[0] === undefined) return false;
      if (!sameJson(JSON.parse(text(rows[0], 'value')) as JsonValue, expected)) return false;
      if (next === undefined) await this.#connection.query('DELETE FROM state WHERE scope = $1 AND key = $2', [scope, key], client);
      else await this.#connection.query(upsertState, [scope, key, toJsonText(next), this.#now()], client);
      return true;
    });
  }
}
