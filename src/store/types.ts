import type { JsonObject, JsonValue } from '../core/json.ts';

/**
 * The Store contract. SQLite (embedded default) and PostgreSQL (shared) implement it, and one
 * conformance suite (`test/store/conformance.ts`) runs against every implementation. All methods are
 * async so a networked database fits; records are plain JSON-compatible objects.
 */
export const storeSpecificationVersion = 'v1';

export type RunKind = 'evolve' | 'learn' | 'agent';
export type RunStatus = 'running' | 'finished' | 'failed' | 'stopped';

export interface RunRecord {
  id: string;
  kind: RunKind;
  name: string;
  status: RunStatus;
  /** The resolved configuration the run started with. */
  config: JsonObject;
  /** A summary written when the run ends (best score, counts, cost). */
  summary: JsonObject;
  createdAt: number;
  updatedAt: number;
}

export interface NewRun {
  id?: string;
  kind: RunKind;
  name: string;
  config: JsonObject;
}

export type ProgramStatus = 'evaluated' | 'failed' | 'rejected';

/** Why a program failed or was rejected: its kind, one line for people, and for evaluations the evidence. */
export interface FailureRecord {
  kind: string;
  message: string;
  evidence?: FailureEvidence;
}

/**
 * What a failed evaluation left behind, kept with the failure itself so its cause can be shown
 * (lineage, best, summaries, --json) without reading artifacts. Bounded: a few lines of stderr.
 */
export interface FailureEvidence {
  /** The cascade stage that failed (1-based), of how many. */
  stage: number;
  stages: number;
  exitCode: number | null;
  signal: string | null;
  /** What stopped the process first (exit, memory, output-limit, cpu-time, wall-time), and when (ms after the spawn). */
  stop: string | null;
  stopAtMs: number | null;
  /** The last lines of stderr (at most 12 lines and 1,200 characters); empty when it wrote none. */
  stderrTail: string;
  /** CPU time the evaluation used, as measured, and its peak memory. */
  cpuMs: number;
  peakMemoryMb: number;
}

/** One candidate of an evolution run, written once when its evaluation ends. */
export interface ProgramRecord {
  id: string;
  runId: string;
  /** Order of insertion within the run, assigned by the store (ignored on put). */
  sequence?: number;
  parentId: string | null;
  inspirationIds: string[];
  island: number;
  generation: number;
  operator: string;
  /** The full text of every file of the program, by relative path. */
  files: Record<string, string>;
  diff: string;
  status: ProgramStatus;
  /** combined_score; null when the evaluation failed. */
  score: number | null;
  metrics: JsonObject;
  /** Feature coordinates used by the MAP-Elites grid. */
  features: Record<string, number>;
  /** Evaluator artifacts (stderr, feedback) and failure reasons. */
  artifacts: JsonObject;
  failure: FailureRecord | null;
  model: string | null;
  prompt: string | null;
  reply: string | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  timing: { proposeMs: number; evaluateMs: number };
  createdAt: number;
  /**
   * An opaque digest of the code the writer computes (evolve stores its MinHash fingerprint), so a
   * reader can rebuild its indexes from summaries without reading the code. Absent when not written.
   */
  fingerprint?: string | null;
}

/** A program without its code and texts (files, diff, prompt, reply, artifacts): what an index rebuild reads. */
export type ProgramSummary = Omit<ProgramRecord, 'files' | 'diff' | 'prompt' | 'reply' | 'artifacts'>;

export type TrajectoryStatus = 'running' | 'finished' | 'failed' | 'stopped';

export interface TrajectoryStep {
  index: number;
  /** `model-call`, `tool-call`, `tool-result`, `plan`, `answer`, `error`, `guardrail-blocked`... */
  type: string;
  at: number;
  data: JsonObject;
}

export interface TrajectoryRecord {
  id: string;
  runId: string | null;
  taskId: string | null;
  task: string;
  status: TrajectoryStatus;
  answer: string | null;
  /** The judge's verdict, once judged. */
  verdict: JsonObject | null;
  model: string | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  createdAt: number;
  updatedAt: number;
}

export interface TrajectoryWithSteps extends TrajectoryRecord {
  steps: TrajectoryStep[];
}

export type ArtifactKind = 'skill' | 'lesson' | 'guardrail' | 'tool' | 'prompt' | 'program';
export type ArtifactStatus = 'candidate' | 'active' | 'retired';

export interface ArtifactRecord {
  id: string;
  kind: ArtifactKind;
  /** Unique per kind. */
  name: string;
  status: ArtifactStatus;
  headVersionId: string;
  headNumber: number;
  uses: number;
  successes: number;
  helpful: number;
  harmful: number;
  createdAt: number;
  updatedAt: number;
}

/** An immutable state of an artifact. */
export interface VersionRecord {
  id: string;
  artifactId: string;
  /** 1, 2, 3... per artifact, in commit order. */
  number: number;
  parentIds: string[];
  /** Kind-specific content (a skill's files, a lesson's text, a guardrail's rule). */
  content: JsonObject;
  message: string;
  trajectoryIds: string[];
  /** Gate figures or other assessment that justified the commit. */
  evaluation: JsonObject;
  createdAt: number;
}

export interface NewVersion {
  parentIds?: string[];
  content: JsonObject;
  message: string;
  trajectoryIds?: string[];
  evaluation?: JsonObject;
}

export interface NewArtifact {
  kind: ArtifactKind;
  name: string;
  status?: ArtifactStatus;
}

export interface StoredEvent {
  runId: string;
  sequence: number;
  type: string;
  at: number;
  data: JsonObject;
}

export interface Store {
  readonly specificationVersion: typeof storeSpecificationVersion;
  readonly kind: 'sqlite' | 'postgres' | 'memory';
  /** A file path, a connection string without password, or `memory`. */
  readonly location: string;
  schemaVersion(): Promise<number>;

  createRun(run: NewRun): Promise<RunRecord>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest first (createdAt, then id, descending). */
  listRuns(filter?: { kind?: RunKind; limit?: number }): Promise<RunRecord[]>;
  updateRun(id: string, patch: { status?: RunStatus; summary?: JsonObject; config?: JsonObject }): Promise<RunRecord>;

  /**
   * Inserts a program; putting the same id twice is a no-op (so a resumed run cannot double-write).
   * Returns the stored program with its sequence (1, 2, 3... per run); NotFoundError if the run does not exist.
   */
  putProgram(program: ProgramRecord): Promise<ProgramRecord>;
  getProgram(id: string): Promise<ProgramRecord | undefined>;
  /** Programs of a run in insertion order, optionally after a sequence number, in pages. */
  listPrograms(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<ProgramRecord[]>;
  /** Like listPrograms, without the code and texts: reads only the columns a summary holds. */
  listProgramSummaries(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<ProgramSummary[]>;
  countPrograms(runId: string): Promise<number>;

  /** Inserts or replaces a trajectory's fields; its steps are kept. */
  putTrajectory(trajectory: TrajectoryRecord): Promise<void>;
  /** Steps are append-only: NotFoundError for an unknown trajectory, a StoreError for an index already written. */
  appendTrajectoryStep(trajectoryId: string, step: TrajectoryStep): Promise<void>;
  getTrajectory(id: string): Promise<TrajectoryWithSteps | undefined>;
  /** Oldest first (createdAt, then id). */
  listTrajectories(filter?: { runId?: string; taskId?: string; limit?: number }): Promise<TrajectoryRecord[]>;

  /** Creates an artifact with its first version. Fails with a conflict if (kind, name) exists. */
  createArtifact(artifact: NewArtifact, version: NewVersion): Promise<{ artifact: ArtifactRecord; version: VersionRecord }>;
  getArtifact(id: string): Promise<ArtifactRecord | undefined>;
  findArtifact(kind: ArtifactKind, name: string): Promise<ArtifactRecord | undefined>;
  /** Ordered by kind, then name. */
  listArtifacts(filter?: { kind?: ArtifactKind; status?: ArtifactStatus }): Promise<ArtifactRecord[]>;
  /**
   * Adds a version and makes it the head, only if the head is still `expectedHeadVersionId`;
   * otherwise throws VersionConflictError and changes nothing. The version is numbered one past the
   * highest so far (also after a rollback); `parentIds` defaults to `[expectedHeadVersionId]`.
   */
  commitVersion(artifactId: string, version: NewVersion, expectedHeadVersionId: string): Promise<VersionRecord>;
  /** Moves the head to an existing version (rollback), under the same optimistic check. */
  setHead(artifactId: string, versionId: string, expectedHeadVersionId: string): Promise<ArtifactRecord>;
  setArtifactStatus(artifactId: string, status: ArtifactStatus): Promise<ArtifactRecord>;
  /** Atomic counter increments; safe from several processes at once. */
  recordArtifactUse(
    artifactId: string,
    outcome: { success?: boolean; helpful?: boolean; harmful?: boolean },
  ): Promise<ArtifactRecord>;
  getVersion(id: string): Promise<VersionRecord | undefined>;
  /** Oldest first (by number). */
  listVersions(artifactId: string): Promise<VersionRecord[]>;

  /** Numbers events 1, 2, 3... per run; NotFoundError if the run does not exist. */
  appendEvent(runId: string, type: string, data: JsonObject): Promise<StoredEvent>;
  listEvents(runId: string, options?: { afterSequence?: number; limit?: number }): Promise<StoredEvent[]>;

  /** Small named JSON documents: run checkpoints, bandit state, insights. */
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

  /** Idempotent; later calls fail with a StoreError. */
  close(): Promise<void>;
}
