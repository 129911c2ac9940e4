import { statSync } from 'node:fs';
import { StoreError } from '../core/errors.ts';
import type { JsonObject, JsonValue } from '../core/json.ts';
import { SqliteArtifacts } from './sqlite/artifacts.ts';
import { SqliteConnection } from './sqlite/connection.ts';
import { sqliteResultCode, toStoreError } from './sqlite/errors.ts';
import { damagedStoreError, isDamageCode, quickCheck, quickCheckOnOpenMaxBytes } from './sqlite/integrity.ts';
import { SqliteEvents } from './sqlite/events.ts';
import { applyMigrations, latestSchemaVersion, readSchemaVersion } from './sqlite/migrations.ts';
import { SqlitePrograms } from './sqlite/programs.ts';
import { SqliteRuns } from './sqlite/runs.ts';
import { SqliteState } from './sqlite/state.ts';
import { SqliteTrajectories } from './sqlite/trajectories.ts';
import { SqliteTransfer } from './sqlite/transfer.ts';
import type { RecordTransfer } from './record-transfer.ts';
import type * as records from './records.ts';
import { storeSpecificationVersion, type Store } from './types.ts';

export interface SqliteStoreOptions {
  /** A file path or `:memory:`. */
  path: string;
  /** How long a write waits for another process's lock before failing with a retryable StoreError. */
  busyTimeoutMs?: number;
  /** Source of timestamps (tests pass a fake clock). */
  now?: () => number;
  /** Run `PRAGMA quick_check` on open while the file is at most this big (default 32 MiB); bigger ones are checked by doctor and when a statement reports damage. */
  quickCheckOnOpenMaxBytes?: number;
}

/**
 * The embedded default Store on Node's built-in SQLite. Several processes may share one file: WAL
 * lets readers run beside the single writer, and busy_timeout makes writers queue instead of fail.
 * Calls are synchronous underneath; the async surface is the contract shared with PostgreSQL.
 */
export class SqliteStore implements Store {
  readonly specificationVersion = storeSpecificationVersion;
  readonly kind = 'sqlite';
  readonly location: string;
  readonly #connection: SqliteConnection;
  readonly #runs: SqliteRuns;
  readonly #programs: SqlitePrograms;
  readonly #trajectories: SqliteTrajectories;
  readonly #artifacts: SqliteArtifacts;
  readonly #events: SqliteEvents;
  readonly #state: SqliteState;
  /** What `PRAGMA quick_check` found once the file was seen damaged; every write is refused from then on. */
  #damage: string[] | undefined;
  /** Bulk, idempotent writes that keep ids and sequences, for `lamarck store copy`. */
  readonly transfer: RecordTransfer;

  private constructor(connection: SqliteConnection, now: () => number, damage: string[] | undefined) {
    this.#damage = damage;
    this.#connection = connection;
    this.location = connection.location;
    this.#runs = new SqliteRuns(connection, now);
    this.#programs = new SqlitePrograms(connection);
    this.#trajectories = new SqliteTrajectories(connection);
    this.#artifacts = new SqliteArtifacts(connection, now);
    this.#events = new SqliteEvents(connection, now);
    this.#state = new SqliteState(connection, now);
    this.transfer = new SqliteTransfer(connection);
  }

  /** Opens (creating if needed) and migrates the database. */
  static open(options: SqliteStoreOptions): SqliteStore {
    const now = options.now ?? Date.now;
    let connection: SqliteConnection | undefined;
    try {
      connection = new SqliteConnection(options.path, { busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
      // Checked before any pragma that writes, so a newer database is left byte-for-byte untouched.
      refuseNewerSchema(readSchemaVersion(connection), options.path);
      if (options.path !== ':memory:') {
        connection.database.exec('PRAGMA journal_mode = WAL');
        // In WAL mode NORMAL loses no committed data on a process crash, only on power loss, and skips an fsync per put.
        connection.database.exec('PRAGMA synchronous = NORMAL');
      }
      const damage = checkOnOpen(connection, options);
      // A damaged file is opened for reading only: migrating it would write into it.
      if (damage === undefined) refuseNewerSchema(applyMigrations(connection, now()), options.path);
      return new SqliteStore(connection, now, damage);
    } catch (error) {
      connection?.close();
      throw toStoreError(error, `open ${options.path}`);
    }
  }

  async schemaVersion(): Promise<number> {
    return this.#guard('read the schema version', () => readSchemaVersion(this.#connection));
  }

  async createRun(run: records.NewRun): Promise<records.RunRecord> {
    return this.#write('create a run', () => this.#runs.create(run));
  }

  async getRun(id: string): Promise<records.RunRecord | undefined> {
    return this.#guard('read a run', () => this.#runs.get(id));
  }

  async listRuns(filter?: { kind?: records.RunKind; limit?: number }): Promise<records.RunRecord[]> {
    return this.#guard('list runs', () => this.#runs.list(filter));
  }

  async updateRun(id: string, patch: records.RunPatch): Promise<records.RunRecord> {
    return this.#write('update a run', () => this.#runs.update(id, patch));
  }

  async putProgram(program: records.ProgramRecord): Promise<records.ProgramRecord> {
    return this.#write('store a program', () => this.#programs.put(program));
  }

  async getProgram(id: string): Promise<records.ProgramRecord | undefined> {
    return this.#guard('read a program', () => this.#programs.get(id));
  }

  async listPrograms(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<records.ProgramRecord[]> {
    return this.#guard('list programs', () => this.#programs.list(runId, options));
  }

  async listProgramSummaries(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<records.ProgramSummary[]> {
    return this.#guard('list program summaries', () => this.#programs.listSummaries(runId, options));
  }

  async countPrograms(runId: string): Promise<number> {
    return this.#guard('count programs', () => this.#programs.count(runId));
  }

  async putTrajectory(trajectory: records.TrajectoryRecord): Promise<void> {
    return this.#write('store a trajectory', () => this.#trajectories.put(trajectory));
  }

  async appendTrajectoryStep(trajectoryId: string, step: records.TrajectoryStep): Promise<void> {
    return this.#write('append a trajectory step', () => this.#trajectories.appendStep(trajectoryId, step));
  }

  async getTrajectory(id: string): Promise<records.TrajectoryWithSteps | undefined> {
    return this.#guard('read a trajectory', () => this.#trajectories.get(id));
  }

  async listTrajectories(filter?: { runId?: string; taskId?: string; limit?: number }): Promise<records.TrajectoryRecord[]> {
    return this.#guard('list trajectories', () => this.#trajectories.list(filter));
  }

  async createArtifact(artifact: records.NewArtifact, version: records.NewVersion): Promise<{ artifact: records.ArtifactRecord; version: records.VersionRecord }> {
    return this.#write('create an artifact', () => this.#artifacts.create(artifact, version));
  }

  async getArtifact(id: string): Promise<records.ArtifactRecord | undefined> {
    return this.#guard('read an artifact', () => this.#artifacts.get(id));
  }

  async findArtifact(kind: records.ArtifactKind, name: string): Promise<records.ArtifactRecord | undefined> {
    return this.#guard('find an artifact', () => this.#artifacts.find(kind, name));
  }

  async listArtifacts(filter?: { kind?: records.ArtifactKind; status?: records.ArtifactStatus }): Promise<records.ArtifactRecord[]> {
    return this.#guard('list artifacts', () => this.#artifacts.list(filter));
  }

  async commitVersion(artifactId: string, version: records.NewVersion, expectedHeadVersionId: string): Promise<records.VersionRecord> {
    return this.#write('commit a version', () => this.#artifacts.commitVersion(artifactId, version, expectedHeadVersionId));
  }

  async setHead(artifactId: string, versionId: string, expectedHeadVersionId: string): Promise<records.ArtifactRecord> {
    return this.#write('move an artifact head', () => this.#artifacts.setHead(artifactId, versionId, expectedHeadVersionId));
  }

  async setArtifactStatus(artifactId: string, status: records.ArtifactStatus): Promise<records.ArtifactRecord> {
    return this.#write('set an artifact status', () => this.#artifacts.setStatus(artifactId, status));
  }

  async recordArtifactUse(
    artifactId: string,
    outcome: records.ArtifactUseOutcome,
  ): Promise<records.ArtifactRecord> {
    return this.#write('record an artifact use', () => this.#artifacts.recordUse(artifactId, outcome));
  }

  async getVersion(id: string): Promise<records.VersionRecord | undefined> {
    return this.#guard('read a version', () => this.#artifacts.getVersion(id));
  }

  async getVersions(ids: readonly string[]): Promise<records.VersionRecord[]> {
    return this.#guard('read versions', () => this.#artifacts.getVersions(ids));
  }

  async artifactChangeMark(): Promise<number> {
    return this.#guard('read the artifact change mark', () => this.#artifacts.changeMark());
  }

  async listVersions(artifactId: string): Promise<records.VersionRecord[]> {
    return this.#guard('list versions', () => this.#artifacts.listVersions(artifactId));
  }

  async appendEvent(runId: string, type: string, data: JsonObject): Promise<records.StoredEvent> {
    return this.#write('append an event', () => this.#events.append(runId, type, data));
  }

  async listEvents(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<records.StoredEvent[]> {
    return this.#guard('list events', () => this.#events.list(runId, options));
  }

  async putState(scope: string, key: string, value: JsonValue): Promise<void> {
    return this.#write('store state', () => this.#state.put(scope, key, value));
  }

  async getState(scope: string, key: string): Promise<JsonValue | undefined> {
    return this.#guard('read state', () => this.#state.get(scope, key));
  }

  async compareAndSetState(scope: string, key: string, expected: JsonValue | undefined, next: JsonValue | undefined): Promise<boolean> {
    return this.#write('compare and set state', () => this.#state.compareAndSet(scope, key, expected, next));
  }

  /** The problems `PRAGMA quick_check` finds in the file (empty: none); reads every page, so it costs seconds on a big store. */
  async checkIntegrity(): Promise<string[]> {
    const problems = this.#guard('check the store', () => quickCheck(this.#connection));
    if (problems.length > 0) this.#damage = problems;
    return problems;
  }

  /** Idempotent. */
  async close(): Promise<void> {
    this.#connection.close();
  }

  #guard<T>(action: string, body: () => T): T {
    if (!this.#connection.isOpen) throw new StoreError(`store is closed (tried to ${action})`, { code: 'store-closed' });
    try {
      return body();
    } catch (error) {
      if (!isDamageCode(sqliteResultCode(error))) throw toStoreError(error, action);
      // SQLite met a broken page: say what the whole file's check finds, and write nothing more into it.
      this.#damage ??= nonEmpty(quickCheck(this.#connection), error);
      throw damagedStoreError(this.location, this.#damage, action);
    }
  }

  /** A write: refused outright once the file is known to be damaged, so no new run lands in it. */
  #write<T>(action: string, body: () => T): T {
    if (this.#damage !== undefined) throw damagedStoreError(this.location, this.#damage, action);
    return this.#guard(action, body);
  }
}

/** quick_check on open for small files only (it reads every page); undefined when the file is sound or too big to check here. */
function checkOnOpen(connection: SqliteConnection, options: SqliteStoreOptions): string[] | undefined {
  if (options.path === ':memory:') return undefined;
  const limit = options.quickCheckOnOpenMaxBytes ?? quickCheckOnOpenMaxBytes;
  let bytes: number;
  try {
    bytes = statSync(options.path).size;
  } catch {
    return undefined;
  }
  if (bytes > limit) return undefined;
  const problems = quickCheck(connection);
  return problems.length > 0 ? problems : undefined;
}

/** A statement said the file is damaged even when the check could not say where. */
function nonEmpty(problems: string[], error: unknown): string[] {
  return problems.length > 0 ? problems : [error instanceof Error ? error.message : String(error)];
}

function refuseNewerSchema(found: number, path: string): void {
  if (found > latestSchemaVersion) {
    throw new StoreError(
      `${path} has schema version ${found}, but this lamarck knows only up to ${latestSchemaVersion}: ` +
        'it was created by a newer lamarck; upgrade lamarck to open it',
      { code: 'store-schema-newer' },
    );
  }
}
