import type { SqliteConnection } from './connection.ts';

/**
 * The schema, as an append-only list. A released migration is never edited: a change is a new
 * entry, because databases written by older releases (see test/fixtures/store/) must still open.
 * Tables are STRICT so a wrong type fails at write time, as it would in PostgreSQL.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, programs, trajectories, artifacts, events, state',
    sql: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        config TEXT NOT NULL,
        summary TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX runs_by_created ON runs (created_at, id);

      CREATE TABLE programs (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        sequence INTEGER NOT NULL,
        parent_id TEXT,
        inspiration_ids TEXT NOT NULL,
        island INTEGER NOT NULL,
        generation INTEGER NOT NULL,
        operator TEXT NOT NULL,
        files TEXT NOT NULL,
        diff TEXT NOT NULL,
        status TEXT NOT NULL,
        score REAL,
        metrics TEXT NOT NULL,
        features TEXT NOT NULL,
        artifacts TEXT NOT NULL,
        failure TEXT,
        model TEXT,
        prompt TEXT,
        reply TEXT,
        tokens_in INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        timing TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (run_id, sequence)
      ) STRICT;

      CREATE TABLE trajectories (
        id TEXT PRIMARY KEY,
        run_id TEXT REFERENCES runs (id) ON DELETE CASCADE,
        task_id TEXT,
        task TEXT NOT NULL,
        status TEXT NOT NULL,
        answer TEXT,
        verdict TEXT,
        model TEXT,
        tokens_in INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX trajectories_by_run ON trajectories (run_id, created_at, id);
      CREATE INDEX trajectories_by_task ON trajectories (task_id, created_at, id);
      CREATE INDEX trajectories_by_created ON trajectories (created_at, id);

      CREATE TABLE trajectory_steps (
        trajectory_id TEXT NOT NULL REFERENCES trajectories (id) ON DELETE CASCADE,
        step_index INTEGER NOT NULL,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (trajectory_id, step_index)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        head_version_id TEXT NOT NULL,
        head_number INTEGER NOT NULL,
        uses INTEGER NOT NULL DEFAULT 0,
        successes INTEGER NOT NULL DEFAULT 0,
        helpful INTEGER NOT NULL DEFAULT 0,
        harmful INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (kind, name)
      ) STRICT;

      CREATE TABLE versions (
        id TEXT PRIMARY KEY,
        artifact_id TEXT NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        parent_ids TEXT NOT NULL,
        content TEXT NOT NULL,
        message TEXT NOT NULL,
        trajectory_ids TEXT NOT NULL,
        evaluation TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (artifact_id, number)
      ) STRICT;

      CREATE TABLE events (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        sequence INTEGER NOT NULL,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, sequence)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE state (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'programs.fingerprint',
    sql: 'ALTER TABLE programs ADD COLUMN fingerprint TEXT;',
  },
  {
    version: 3,
    name: 'artifact_changes: a counter every artifact write moves',
    // Triggers, not the store's code, move the counter, so no write path (a commit, a rollback, a
    // use count, an import, another process on an older build of this schema) can forget it.
    // Watchers read this one row to tell that nothing changed without reading every artifact.
    sql: `
      CREATE TABLE artifact_changes (id INTEGER PRIMARY KEY CHECK (id = 1), counter INTEGER NOT NULL) STRICT;
      INSERT INTO artifact_changes (id, counter) VALUES (1, 0);
      CREATE TRIGGER artifacts_inserted AFTER INSERT ON artifacts BEGIN UPDATE artifact_changes SET counter = counter + 1 WHERE id = 1; END;
      CREATE TRIGGER artifacts_updated AFTER UPDATE ON artifacts BEGIN UPDATE artifact_changes SET counter = counter + 1 WHERE id = 1; END;
      CREATE TRIGGER artifacts_deleted AFTER DELETE ON artifacts BEGIN UPDATE artifact_changes SET counter = counter + 1 WHERE id = 1; END;
    `,
  },
];

export const latestSchemaVersion: number = migrations.at(-1)?.version ?? 0;

const createMigrationsTable = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`;

/** The highest applied migration, or 0 for an empty database. Reads only. */
export function readSchemaVersion(connection: SqliteConnection): number {
  const table = connection
    .statement("SELECT 1 AS present FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = connection.statement('SELECT MAX(version) AS version FROM schema_migrations').get();
  return typeof row?.['version'] === 'number' ? row['version'] : 0;
}

/**
 * Applies every pending migration in one IMMEDIATE transaction, so two processes opening a fresh
 * file at once cannot both migrate: the second waits, then sees nothing left to do.
 * Returns the version found before migrating (inside the lock), for the caller's newer-version check.
 */
export function applyMigrations(connection: SqliteConnection, now: number, known: readonly Migration[] = migrations): number {
  return connection.immediate(() => {
    connection.database.exec(createMigrationsTable);
    const found = readSchemaVersion(connection);
    const latest = known.at(-1)?.version ?? 0;
    if (found > latest) return found;
    for (const migration of known) {
      if (migration.version <= found) continue;
      connection.database.exec(migration.sql);
      connection
        .statement('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, migration.name, now);
    }
    return found;
  });
}
