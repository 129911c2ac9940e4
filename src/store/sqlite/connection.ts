import { DatabaseSync, type StatementSync } from 'node:sqlite';

/**
 * One open SQLite database with its prepared statements cached by SQL text: evolve writes a
 * program per evaluation, and preparing the same INSERT every time would cost more than running it.
 */
export class SqliteConnection {
  readonly database: DatabaseSync;
  readonly location: string;
  readonly #statements = new Map<string, StatementSync>();
  #open = true;

  constructor(location: string, options: { busyTimeoutMs: number }) {
    this.location = location;
    this.database = new DatabaseSync(location, { enableForeignKeyConstraints: true });
    // A writer waits this long for another process's lock instead of failing at once. Set by pragma
    // rather than the constructor's `timeout`, which Node versions before 22.16 ignore.
    this.database.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
  }

  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `body` in a BEGIN IMMEDIATE transaction: the write lock is taken before the first read, so
   * a check-then-write (the optimistic head check) cannot be interleaved with another writer.
   */
  immediate<T>(body: () => T): T {
    this.database.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      this.database.exec('COMMIT');
      return result;
    } catch (error) {
      try {
        this.database.exec('ROLLBACK');
      } catch {
        // SQLite has already rolled back on its own (it does after some errors); nothing is left to undo.
      }
      throw error;
    }
  }

  get isOpen(): boolean {
    return this.#open;
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#statements.clear();
    this.database.close();
  }
}
