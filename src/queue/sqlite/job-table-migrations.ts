import type { SqliteConnection } from '../../store/sqlite/connection.ts';

/**
 * The job table's own schema, versioned apart from the store's (the store's `user_version` and its
 * frozen sample stay untouched): an append-only list recorded in `queue_migrations`. A released
 * entry is never edited; a change is a new entry.
 */
interface QueueMigration {
  version: number;
  name: string;
  sql: string;
}

export const queueMigrations: readonly QueueMigration[] = [
  {
    version: 1,
    name: 'jobs with leases, retries and dead letters',
    sql: `
      CREATE TABLE queue_jobs (
        id TEXT PRIMARY KEY,
        queue TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'active', 'completed', 'dead')),
        payload TEXT NOT NULL,
        idempotency_key TEXT,
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        backoff_ms INTEGER NOT NULL,
        max_backoff_ms INTEGER NOT NULL,
        available_at INTEGER NOT NULL,
        lease_token TEXT,
        lease_expires_at INTEGER,
        worker_id TEXT,
        result TEXT,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        claimed_at INTEGER,
        finished_at INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX queue_jobs_by_key ON queue_jobs (queue, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX queue_jobs_due ON queue_jobs (queue, state, available_at);
      CREATE INDEX queue_jobs_leases ON queue_jobs (queue, state, lease_expires_at);
    `,
  },
];

export const latestQueueSchemaVersion = queueMigrations.at(-1)!.version;

/** Applies what is missing, in one BEGIN IMMEDIATE transaction, so two processes opening at once cannot both apply it. */
export function applyQueueMigrations(connection: SqliteConnection, now: number): number {
  return connection.immediate(() => {
    connection.database.exec(
      'CREATE TABLE IF NOT EXISTS queue_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
    );
    const current = readQueueSchemaVersion(connection);
    for (const migration of queueMigrations) {
      if (migration.version <= current) continue;
      connection.database.exec(migration.sql);
      connection.statement('INSERT INTO queue_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, now);
    }
    return readQueueSchemaVersion(connection);
  });
}

export function readQueueSchemaVersion(connection: SqliteConnection): number {
  const row = connection.statement('SELECT coalesce(max(version), 0) AS version FROM queue_migrations').get();
  return Number(row?.['version'] ?? 0);
}
