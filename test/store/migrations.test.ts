import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.ts';
import { SqliteConnection } from '../../src/store/sqlite/connection.ts';
import { applyMigrations, latestSchemaVersion, migrations, readSchemaVersion, type Migration } from '../../src/store/sqlite/migrations.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('schema migrations', () => {
  let directory: string;
  let path: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'lamarck-migrations-'));
    path = join(directory, 'lamarck.db');
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('numbers migrations 1, 2, 3... with no gaps', () => {
    expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, index) => index + 1));
    expect(latestSchemaVersion).toBe(migrations.length);
  });

  it('migrates a new file to the latest version and records each migration once', async () => {
    const store = SqliteStore.open({ path });
    expect(await store.schemaVersion()).toBe(latestSchemaVersion);
    await store.close();
    const reopened = SqliteStore.open({ path });
    expect(await reopened.schemaVersion()).toBe(latestSchemaVersion);
    await reopened.close();
    const database = new DatabaseSync(path);
    const rows = database.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
    expect(rows.map((row) => row['version'])).toEqual(migrations.map((migration) => migration.version));
    expect(database.prepare('PRAGMA journal_mode').get()?.['journal_mode']).toBe('wal');
    database.close();
  });

  it('applies only the pending migrations, in one transaction', () => {
    const connection = new SqliteConnection(path, { busyTimeoutMs: 1000 });
    expect(applyMigrations(connection, 1)).toBe(0);
    const extra: Migration = { version: latestSchemaVersion + 1, name: 'test column', sql: 'ALTER TABLE runs ADD COLUMN note TEXT' };
    expect(applyMigrations(connection, 2, [...migrations, extra])).toBe(latestSchemaVersion);
    expect(readSchemaVersion(connection)).toBe(latestSchemaVersion + 1);
    const columns = connection.database.prepare('PRAGMA table_info(runs)').all().map((row) => row['name']);
    expect(columns).toContain('note');
    connection.close();
  });

  it('rolls back a failing migration and leaves the version where it was', () => {
    const connection = new SqliteConnection(path, { busyTimeoutMs: 1000 });
    applyMigrations(connection, 1);
    const broken: Migration[] = [
      ...migrations,
      { version: latestSchemaVersion + 1, name: 'fine', sql: 'CREATE TABLE fine (id TEXT)' },
      { version: latestSchemaVersion + 2, name: 'broken', sql: 'ALTER TABLE missing ADD COLUMN x TEXT' },
    ];
    expect(() => applyMigrations(connection, 2, broken)).toThrow();
    expect(readSchemaVersion(connection)).toBe(latestSchemaVersion);
    const fine = connection.database.prepare("SELECT name FROM sqlite_schema WHERE name = 'fine'").get();
    expect(fine).toBeUndefined();
    connection.close();
  });

  it('refuses a database from a newer lamarck and leaves it untouched', () => {
    const database = new DatabaseSync(path);
    database.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    database.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(latestSchemaVersion + 5, 'from the future', 1);
    database.close();
    const before = sha256(path);
    let thrown: unknown;
    try {
      SqliteStore.open({ path });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreError);
    expect((thrown as StoreError).code).toBe('store-schema-newer');
    expect((thrown as StoreError).message).toMatch(/created by a newer lamarck; upgrade/);
    expect((thrown as StoreError).message).toContain(String(latestSchemaVersion + 5));
    expect(sha256(path)).toBe(before);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('reports a file that is not a database as a StoreError', () => {
    writeFileSync(path, 'plain text, not an SQLite header. '.repeat(200));
    expect(() => SqliteStore.open({ path })).toThrow(StoreError);
  });
});
