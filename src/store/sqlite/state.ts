import { sameJson, type JsonValue } from '../../core/json.ts';
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

  /**
   * Read, compare and write inside one BEGIN IMMEDIATE transaction: the write lock is held from the
   * read on, so another process's compare-and-set on the same file queues behind this one (up to
   * busy_timeout) and then sees the value written here.
   */
  compareAndSet(scope: string, key: string, expected: JsonValue | undefined, next: JsonValue | undefined): boolean {
    return this.#connection.immediate(() => {
      const current = this.get(scope, key);
      const matches = current === undefined || expected === undefined ? current === expected : sameJson(current, expected);
      if (!matches) return false;
      if (next === undefined) this.#connection.statement('DELETE FROM state WHERE scope = ? AND key = ?').run(scope, key);
      else this.put(scope, key, next);
      return true;
    });
  }
}
