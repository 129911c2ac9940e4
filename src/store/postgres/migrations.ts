import type pg from 'pg';
import { quoteIdentifier, type PostgresConnection } from './connection.ts';

/**
 * The PostgreSQL schema, as an append-only list like SQLite's (src/store/sqlite/migrations.ts): a
 * released migration is never edited, because databases written by older releases (the frozen
 * sample in test/fixtures/store/postgres-schema-v1.sql) must still open. Versions count separately
 * from SQLite's: the two schemas differ in types, not in what they hold.
 *
 * JSON documents are TEXT (read back exactly as written); times are BIGINT milliseconds. Program
 * files and trajectory steps are TOASTed (compressed, out of line) by PostgreSQL, so the narrow
 * summary columns stay fast to scan.
 */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

export const postgresMigrations: readonly PostgresMigration[] = [
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
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
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
        score DOUBLE PRECISION,
        metrics TEXT NOT NULL,
        features TEXT NOT NULL,
        artifacts TEXT NOT NULL,
        failure TEXT,
        model TEXT,
        prompt TEXT,
        reply TEXT,
        tokens_in BIGINT NOT NULL,
        tokens_out BIGINT NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL,
        timing TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        fingerprint TEXT,
        UNIQUE (run_id, sequence)
      );

      CREATE TABLE trajectories (
        id TEXT PRIMARY KEY,
        run_id TEXT REFERENCES runs (id) ON DELETE CASCADE,
        task_id TEXT,
        task TEXT NOT NULL,
        status TEXT NOT NULL,
        answer TEXT,
        verdict TEXT,
        model TEXT,
        tokens_in BIGINT NOT NULL,
        tokens_out BIGINT NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX trajectories_by_run ON trajectories (run_id, created_at, id);
      CREATE INDEX trajectories_by_task ON trajectories (task_id, created_at, id);
      CREATE INDEX trajectories_by_created ON trajectories (created_at, id);

      CREATE TABLE trajectory_steps (
        trajectory_id TEXT NOT NULL REFERENCES trajectories (id) ON DELETE CASCADE,
        step_index INTEGER NOT NULL,
        type TEXT NOT NULL,
        at BIGINT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (trajectory_id, step_index)
      );

      CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        head_version_id TEXT NOT NULL,
        head_number INTEGER NOT NULL,
        uses BIGINT NOT NULL DEFAULT 0,
        successes BIGINT NOT NULL DEFAULT 0,
        helpful BIGINT NOT NULL DEFAULT 0,
        harmful BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (kind, name)
      );

      CREATE TABLE versions (
        id TEXT PRIMARY KEY,
        artifact_id TEXT NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        parent_ids TEXT NOT NULL,
        content TEXT NOT NULL,
        message TEXT NOT NULL,
        trajectory_ids TEXT NOT NULL,
        evaluation TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (artifact_id, number)
      );

      CREATE TABLE events (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        sequence INTEGER NOT NULL,
        type TEXT NOT NULL,
        at BIGINT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, sequence)
      );

      CREATE TABLE state (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (scope, key)
      );
    `,
  },
  {
    version: 2,
    name: 'put_program and append_event: a numbered insert in one round trip',
    // The row lock, the MAX and the insert of programs.ts and events.ts, as one server-side call:
    // one round trip instead of four (BEGIN, lock, insert, COMMIT). Each statement of a VOLATILE
    // PL/pgSQL function takes a fresh snapshot under READ COMMITTED, so the MAX read after the
    // lock is granted sees every row a writer that held the lock before committed, as the
    // separate statements did. A missing run gives -1; an id already stored gives NULL.
    sql: `
      CREATE FUNCTION put_program(
        p_id TEXT, p_run_id TEXT, p_parent_id TEXT, p_inspiration_ids TEXT, p_island INTEGER, p_generation INTEGER,
        p_operator TEXT, p_files TEXT, p_diff TEXT, p_status TEXT, p_score DOUBLE PRECISION, p_metrics TEXT,
        p_features TEXT, p_artifacts TEXT, p_failure TEXT, p_model TEXT, p_prompt TEXT, p_reply TEXT,
        p_tokens_in BIGINT, p_tokens_out BIGINT, p_cost_usd DOUBLE PRECISION, p_timing TEXT, p_created_at BIGINT,
        p_fingerprint TEXT
      ) RETURNS INTEGER LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
      DECLARE
        assigned INTEGER;
      BEGIN
        PERFORM 1 FROM runs WHERE id = p_run_id FOR NO KEY UPDATE;
        IF NOT FOUND THEN
          RETURN -1;
        END IF;
        INSERT INTO programs (
          id, run_id, sequence, parent_id, inspiration_ids, island, generation, operator, files, diff, status,
          score, metrics, features, artifacts, failure, model, prompt, reply, tokens_in, tokens_out, cost_usd,
          timing, created_at, fingerprint
        )
        SELECT p_id, p_run_id, COALESCE(MAX(sequence), 0) + 1, p_parent_id, p_inspiration_ids, p_island, p_generation,
          p_operator, p_files, p_diff, p_status, p_score, p_metrics, p_features, p_artifacts, p_failure, p_model,
          p_prompt, p_reply, p_tokens_in, p_tokens_out, p_cost_usd, p_timing, p_created_at, p_fingerprint
        FROM programs WHERE run_id = p_run_id
        ON CONFLICT (id) DO NOTHING
        RETURNING sequence INTO assigned;
        RETURN assigned;
      END;
      $$;

      CREATE FUNCTION append_event(p_run_id TEXT, p_type TEXT, p_at BIGINT, p_data TEXT)
      RETURNS INTEGER LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
      DECLARE
        assigned INTEGER;
      BEGIN
        PERFORM 1 FROM runs WHERE id = p_run_id FOR NO KEY UPDATE;
        IF NOT FOUND THEN
          RETURN -1;
        END IF;
        INSERT INTO events (run_id, sequence, type, at, data)
        SELECT p_run_id, COALESCE(MAX(sequence), 0) + 1, p_type, p_at, p_data FROM events WHERE run_id = p_run_id
        RETURNING sequence INTO assigned;
        RETURN assigned;
      END;
      $$;
    `,
  },
  {
    version: 3,
    name: 'artifact_changes: a counter every artifact write moves',
    // As SQLite's migration 3: a trigger moves the counter, so no write path can forget it, and a
    // watcher reads one row to tell that nothing changed. The row is updated inside the writing
    // transaction, so the new count becomes visible exactly when the write does (a sequence would
    // move before the commit, and a watcher could read the mark, then miss the rows).
    sql: `
      CREATE TABLE artifact_changes (id INTEGER PRIMARY KEY CHECK (id = 1), counter BIGINT NOT NULL);
      INSERT INTO artifact_changes (id, counter) VALUES (1, 0);
      CREATE FUNCTION note_artifact_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        UPDATE artifact_changes SET counter = counter + 1 WHERE id = 1;
        RETURN NULL;
      END;
      $$;
      CREATE TRIGGER artifacts_changed AFTER INSERT OR UPDATE OR DELETE ON artifacts
        FOR EACH STATEMENT EXECUTE FUNCTION note_artifact_change();
    `,
  },
];

export const latestPostgresSchemaVersion: number = postgresMigrations.at(-1)?.version ?? 0;

/** The highest applied migration, or 0 where the schema has none yet. Reads only. */
export async function readPostgresSchemaVersion(connection: PostgresConnection, client: pg.ClientBase | pg.Pool = connection.pool): Promise<number> {
  const table = await client.query<{ present: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS present`,
    [`${quoteIdentifier(connection.schema)}.schema_migrations`],
  );
  if (table.rows[0]?.present !== true) return 0;
  const row = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  return row.rows[0]?.version ?? 0;
}

/**
 * Applies every pending migration in one transaction under an advisory lock, so several processes
 * opening a fresh database at once migrate it once: the others wait, then find nothing to do.
 * Returns the version found before migrating, for the caller's newer-schema check.
 */
export async function applyPostgresMigrations(
  connection: PostgresConnection,
  now: number,
  known: readonly PostgresMigration[] = postgresMigrations,
): Promise<number> {
  return connection.transaction(async (client) => {
    // One lock per schema: stores in other schemas of the database migrate independently.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lamarck-migrations:${connection.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(connection.schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const found = await readPostgresSchemaVersion(connection, client);
    const latest = known.at(-1)?.version ?? 0;
    if (found > latest) return found;
    for (const migration of known) {
      if (migration.version <= found) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, now]);
    }
    return found;
  });
}
