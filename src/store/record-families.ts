import type { JsonObject, JsonValue } from '../core/json.ts';
import type * as records from './records.ts';

/**
 * The Store contract, one interface per record family. Each family has its own section of the
 * conformance suite (`test/store/conformance/<family>.ts`), so a new implementation (PostgreSQL, a
 * remote store) can be brought up and held to the contract one family at a time. A reader that
 * needs one family can ask for just that one (`RunStore`, `StateStore`...) instead of all of Store.
 */
export type StoreFamily = 'runs' | 'programs' | 'trajectories' | 'artifacts' | 'events' | 'state';

/** Runs of every kind (evolve, learn, agent): created running, ended with a status and a summary. */
export interface RunStore {
  createRun(run: records.NewRun): Promise<records.RunRecord>;
  getRun(id: string): Promise<records.RunRecord | undefined>;
  /** Newest first (createdAt, then id, descending). */
  listRuns(filter?: { kind?: records.RunKind; limit?: number }): Promise<records.RunRecord[]>;
  updateRun(id: string, patch: records.RunPatch): Promise<records.RunRecord>;
}

/** Paging through a run's records in insertion order. */
export interface SequencePage {
  afterSequence?: number;
  limit?: number;
}

/** The candidates of evolution runs, written once each. */
export interface ProgramStore {
  /**
   * Inserts a program; putting the same id twice is a no-op (so a resumed run cannot double-write).
   * Returns the stored program with its sequence (1, 2, 3... per run); NotFoundError if the run does not exist.
   */
  putProgram(program: records.ProgramRecord): Promise<records.ProgramRecord>;
  getProgram(id: string): Promise<records.ProgramRecord | undefined>;
  /** Programs of a run in insertion order, optionally after a sequence number, in pages. */
  listPrograms(runId: string, options?: SequencePage): Promise<records.ProgramRecord[]>;
  /** Like listPrograms, without the code and texts: reads only the columns a summary holds. */
  listProgramSummaries(runId: string, options?: SequencePage): Promise<records.ProgramSummary[]>;
  countPrograms(runId: string): Promise<number>;
}

/** What an agent did on a task, step by step. */
export interface TrajectoryStore {
  /** Inserts or replaces a trajectory's fields; its steps are kept. */
  putTrajectory(trajectory: records.TrajectoryRecord): Promise<void>;
  /** Steps are append-only: NotFoundError for an unknown trajectory, a StoreError for an index already written. */
  appendTrajectoryStep(trajectoryId: string, step: records.TrajectoryStep): Promise<void>;
  getTrajectory(id: string): Promise<records.TrajectoryWithSteps | undefined>;
  /** Oldest first (createdAt, then id). */
  listTrajectories(filter?: { runId?: string; taskId?: string; limit?: number }): Promise<records.TrajectoryRecord[]>;
}

/** The versioned library: artifacts, their immutable versions and the head each points at. */
export interface ArtifactStore {
  /** Creates an artifact with its first version. Fails with a conflict if (kind, name) exists. */
  createArtifact(artifact: records.NewArtifact, version: records.NewVersion): Promise<{ artifact: records.ArtifactRecord; version: records.VersionRecord }>;
  getArtifact(id: string): Promise<records.ArtifactRecord | undefined>;
  findArtifact(kind: records.ArtifactKind, name: string): Promise<records.ArtifactRecord | undefined>;
  /** Ordered by kind, then name. */
  listArtifacts(filter?: { kind?: records.ArtifactKind; status?: records.ArtifactStatus }): Promise<records.ArtifactRecord[]>;
  /**
   * Adds a version and makes it the head, only if the head is still `expectedHeadVersionId`;
   * otherwise throws VersionConflictError and changes nothing. The version is numbered one past the
   * highest so far (also after a rollback); `parentIds` defaults to `[expectedHeadVersionId]`.
   */
  commitVersion(artifactId: string, version: records.NewVersion, expectedHeadVersionId: string): Promise<records.VersionRecord>;
  /** Moves the head to an existing version (rollback), under the same optimistic check. */
  setHead(artifactId: string, versionId: string, expectedHeadVersionId: string): Promise<records.ArtifactRecord>;
  setArtifactStatus(artifactId: string, status: records.ArtifactStatus): Promise<records.ArtifactRecord>;
  /** Atomic counter increments; safe from several processes at once. */
  recordArtifactUse(artifactId: string, outcome: records.ArtifactUseOutcome): Promise<records.ArtifactRecord>;
  getVersion(id: string): Promise<records.VersionRecord | undefined>;
  /**
   * Many versions in one read (a library's head versions when an index is built), in the order of
   * `ids`; an id no version has is left out, and one asked twice is given once.
   */
  getVersions(ids: readonly string[]): Promise<records.VersionRecord[]>;
  /** Oldest first (by number). */
  listVersions(artifactId: string): Promise<records.VersionRecord[]>;
  /**
   * A number that moves whenever an artifact is created or changes (head, status, use counters),
   * whichever process wrote it; read in constant time, so a watcher can tell that nothing changed
   * without reading every artifact. Read it before the artifacts it stands for: a write that lands
   * in between then moves it past the value kept, and the next look reads again.
   */
  artifactChangeMark(): Promise<number>;
}

/** A run's event log. */
export interface EventStore {
  /** Numbers events 1, 2, 3... per run; NotFoundError if the run does not exist. */
  appendEvent(runId: string, type: string, data: JsonObject): Promise<records.StoredEvent>;
  listEvents(runId: string, options?: SequencePage): Promise<records.StoredEvent[]>;
}

/** Small named JSON documents (checkpoints, bandit state, insights) and the atomic swap leases use. */
export interface StateStore {
  putState(scope: string, key: string, value: JsonValue): Promise<void>;
  /** undefined when the key was never written; a stored `null` reads back as null. */
  getState(scope: string, key: string): Promise<JsonValue | undefined>;
  /**
   * Atomic compare-and-set on one state document, safe across processes sharing the store: when the
   * stored value equals `expected` (as JSON values: object key order does not matter; `undefined`
   * means the key is absent), it becomes `next` (`undefined` deletes the key) and the call returns
   * true. Otherwise nothing changes and it returns false. Leases (`store/run-lease.ts`) are built on it.
   */
  compareAndSetState(scope: string, key: string, expected: JsonValue | undefined, next: JsonValue | undefined): Promise<boolean>;
}
