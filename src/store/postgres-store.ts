import { StoreError } from '../core/errors.ts';
import type { JsonObject, JsonValue } from '../core/json.ts';
import { PostgresArtifacts } from './postgres/artifacts.ts';
import { PostgresConnection } from './postgres/connection.ts';
import { toPostgresStoreError } from './postgres/errors.ts';
import { PostgresEvents } from './postgres/events.ts';
import { applyPostgresMigrations, latestPostgresSchemaVersion, readPostgresSchemaVersion } from './postgres/migrations.ts';
import { PostgresPrograms } from './postgres/programs.ts';
import { PostgresRuns } from './postgres/runs.ts';
import { PostgresState } from './postgres/state.ts';
import { PostgresTrajectories } from './postgres/trajectories.ts';
import { PostgresTransfer } from './postgres/transfer.ts';
import type { RecordTransfer } from './record-transfer.ts';
import { passwordOf, redactStoreUrl, type PostgresConnectionSettings } from './store-url.ts';
import {
  storeSpecificationVersion,
  type ArtifactKind,
  type ArtifactRecord,
  type ArtifactStatus,
  type NewArtifact,
  type NewRun,
  type NewVersion,
  type ProgramRecord,
  type ProgramSummary,
  type RunKind,
  type RunRecord,
  type RunStatus,
  type Store,
  type StoredEvent,
  type TrajectoryRecord,
  type TrajectoryStep,
  type TrajectoryWithSteps,
  type VersionRecord,
} from './types.ts';

export interface PostgresStoreOptions {
  settings: PostgresConnectionSettings;
  /** Source of timestamps (tests pass a fake clock). */
  now?: () => number;
}

/**
 * The shared Store on PostgreSQL (driver: `pg`, a pool per store). Several processes on several
 * machines may share one database: sequences are drawn under the run's row lock, head changes and
 * compare-and-set under the row's lock, so none of them can lose an update. Everything it says
 * (location, errors) names the database without its password.
 */
export class PostgresStore implements Store {
  readonly specificationVersion = storeSpecificationVersion;
  readonly kind = 'postgres';
  readonly location: string;
  readonly #connection: PostgresConnection;
  readonly #password: string | undefined;
  readonly #runs: PostgresRuns;
  readonly #programs: PostgresPrograms;
  readonly #trajectories: PostgresTrajectories;
  readonly #artifacts: PostgresArtifacts;
  readonly #events: PostgresEvents;
  readonly #state: PostgresState;
  /** Bulk, idempotent writes that keep ids and sequences, for `lamarck store copy`. */
  readonly transfer: RecordTransfer;

  private constructor(connection: PostgresConnection, location: string, password: string | undefined, now: () => number) {
    this.#connection = connection;
    this.location = location;
    this.#password = password;
    this.#runs = new PostgresRuns(connection, now);
    this.#programs = new PostgresPrograms(connection);
    this.#trajectories = new PostgresTrajectories(connection);
    this.#artifacts = new PostgresArtifacts(connection, now);
    this.#events = new PostgresEvents(connection, now);
    this.#state = new PostgresState(connection, now);
    this.transfer = new PostgresTransfer(connection);
  }

  /** Connects and migrates (creating the schema on first use). */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const now = options.now ?? Date.now;
    const { settings } = options;
    const password = passwordOf(settings.connectionString);
    const location = `${redactStoreUrl(settings.connectionString)}${settings.schema === 'lamarck' ? '' : ` (schema ${settings.schema})`}`;
    const connection = new PostgresConnection(settings);
    try {
      // Checked before migrating, so a database of a newer lamarck is left untouched.
      refuseNewerSchema(await readPostgresSchemaVersion(connection), location);
      refuseNewerSchema(await applyPostgresMigrations(connection, now()), location);
      return new PostgresStore(connection, location, password, now);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw toPostgresStoreError(error, `open ${location}`, password);
    }
  }

  /** The migrations this database has and this lamarck knows, for `doctor`. */
  async migrationStatus(): Promise<{ applied: number; latest: number }> {
    return this.#guard('read the migrations', async () => ({
      applied: await readPostgresSchemaVersion(this.#connection),
      latest: latestPostgresSchemaVersion,
    }));
  }

  async schemaVersion(): Promise<number> {
    return this.#guard('read the schema version', () => readPostgresSchemaVersion(this.#connection));
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    return this.#guard('create a run', () => this.#runs.create(run));
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.#guard('read a run', () => this.#runs.get(id));
  }

  async listRuns(filter?: { kind?: RunKind; limit?: number }): Promise<RunRecord[]> {
    return this.#guard('list runs', () => this.#runs.list(filter));
  }

  async updateRun(id: string, patch: { status?: RunStatus; summary?: JsonObject; config?: JsonObject }): Promise<RunRecord> {
    return this.#guard('update a run', () => this.#runs.update(id, patch));
  }

  async putProgram(program: ProgramRecord): Promise<ProgramRecord> {
    return this.#guard('store a program', () => this.#programs.put(program));
  }

  async getProgram(id: string): Promise<ProgramRecord | undefined> {
    return this.#guard('read a program', () => this.#programs.get(id));
  }

  async listPrograms(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<ProgramRecord[]> {
    return this.#guard('list programs', () => this.#programs.list(runId, options));
  }

  async listProgramSummaries(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<ProgramSummary[]> {
    return this.#guard('list program summaries', () => this.#programs.listSummaries(runId, options));
  }

  async countPrograms(runId: string): Promise<number> {
    return this.#guard('count programs', () => this.#programs.count(runId));
  }

  async putTrajectory(trajectory: TrajectoryRecord): Promise<void> {
    return this.#guard('store a trajectory', () => this.#trajectories.put(trajectory));
  }

  async appendTrajectoryStep(trajectoryId: string, step: TrajectoryStep): Promise<void> {
    return this.#guard('append a trajectory step', () => this.#trajectories.appendStep(trajectoryId, step));
  }

  async getTrajectory(id: string): Promise<TrajectoryWithSteps | undefined> {
    return this.#guard('read a trajectory', () => this.#trajectories.get(id));
  }

  async listTrajectories(filter?: { runId?: string; taskId?: string; limit?: number }): Promise<TrajectoryRecord[]> {
    return this.#guard('list trajectories', () => this.#trajectories.list(filter));
  }

  async createArtifact(artifact: NewArtifact, version: NewVersion): Promise<{ artifact: ArtifactRecord; version: VersionRecord }> {
    return this.#guard('create an artifact', () => this.#artifacts.create(artifact, version));
  }

  async getArtifact(id: string): Promise<ArtifactRecord | undefined> {
    return this.#guard('read an artifact', () => this.#artifacts.get(id));
  }

  async findArtifact(kind: ArtifactKind, name: string): Promise<ArtifactRecord | undefined> {
    return this.#guard('find an artifact', () => this.#artifacts.find(kind, name));
  }

  async listArtifacts(filter?: { kind?: ArtifactKind; status?: ArtifactStatus }): Promise<ArtifactRecord[]> {
    return this.#guard('list artifacts', () => this.#artifacts.list(filter));
  }

  async commitVersion(artifactId: string, version: NewVersion, expectedHeadVersionId: string): Promise<VersionRecord> {
    return this.#guard('commit a version', () => this.#artifacts.commitVersion(artifactId, version, expectedHeadVersionId));
  }

  async setHead(artifactId: string, versionId: string, expectedHeadVersionId: string): Promise<ArtifactRecord> {
    return this.#guard('move an artifact head', () => this.#artifacts.setHead(artifactId, versionId, expectedHeadVersionId));
  }

  async setArtifactStatus(artifactId: string, status: ArtifactStatus): Promise<ArtifactRecord> {
    return this.#guard('set an artifact status', () => this.#artifacts.setStatus(artifactId, status));
  }

  async recordArtifactUse(artifactId: string, outcome: { success?: boolean; helpful?: boolean; harmful?: boolean }): Promise<ArtifactRecord> {
    return this.#guard('record an artifact use', () => this.#artifacts.recordUse(artifactId, outcome));
  }

  async getVersion(id: string): Promise<VersionRecord | undefined> {
    return this.#guard('read a version', () => this.#artifacts.getVersion(id));
  }

  async getVersions(ids: readonly string[]): Promise<VersionRecord[]> {
    return this.#guard('read versions', () => this.#artifacts.getVersions(ids));
  }

  async artifactChangeMark(): Promise<number> {
    return this.#guard('read the artifact change mark', () => this.#artifacts.changeMark());
  }

  async listVersions(artifactId: string): Promise<VersionRecord[]> {
    return this.#guard('list versions', () => this.#artifacts.listVersions(artifactId));
  }

  async appendEvent(runId: string, type: string, data: JsonObject): Promise<StoredEvent> {
    return this.#guard('append an event', () => this.#events.append(runId, type, data));
  }

  async listEvents(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<StoredEvent[]> {
    return this.#guard('list events', () => this.#events.list(runId, options));
  }

  async putState(scope: string, key: string, value: JsonValue): Promise<void> {
    return this.#guard('store state', () => this.#state.put(scope, key, value));
  }

  async getState(scope: string, key: string): Promise<JsonValue | undefined> {
    return this.#guard('read state', () => this.#state.get(scope, key));
  }

  async compareAndSetState(scope: string, key: string, expected: JsonValue | undefined, next: JsonValue | undefined): Promise<boolean> {
    return this.#guard('compare and set state', () => this.#state.compareAndSet(scope, key, expected, next));
  }

  /** Idempotent: ends the pool once its clients are idle. */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  async #guard<T>(action: string, body: () => Promise<T>): Promise<T> {
    if (!this.#connection.isOpen) throw new StoreError(`store is closed (tried to ${action})`, { code: 'store-closed' });
    try {
      return await body();
    } catch (error) {
      throw toPostgresStoreError(error, action, this.#password);
    }
  }
}

function refuseNewerSchema(found: number, location: string): void {
  if (found > latestPostgresSchemaVersion) {
    throw new StoreError(
      `${location} has schema version ${found}, but this lamarck knows only up to ${latestPostgresSchemaVersion}: ` +
        'it was created by a newer lamarck; upgrade lamarck to open it',
      { code: 'store-schema-newer' },
    );
  }
}
