import type { JsonObject } from '../core/json.ts';

/**
 * The records the Store holds, one barrel for every implementation and reader. Plain
 * JSON-compatible objects, so a networked database stores them as they are.
 */

export type RunKind = 'evolve' | 'learn' | 'agent' | 'curriculum';
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

/** What `updateRun` may change; fields left out stay as they are. */
export interface RunPatch {
  status?: RunStatus;
  summary?: JsonObject;
  config?: JsonObject;
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

/**
 * Where an attempt's time went, in milliseconds: proposing it, waiting for an evaluation slot,
 * evaluating it. The three follow each other from `createdAt`, so the evaluation began at
 * `createdAt + proposeMs + queuedMs`. `queuedMs` is absent in records written before it was kept.
 */
export interface ProgramTiming {
  proposeMs: number;
  queuedMs?: number;
  evaluateMs: number;
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
  timing: ProgramTiming;
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

/** One use of an artifact, counted by `recordArtifactUse`. */
export interface ArtifactUseOutcome {
  success?: boolean;
  helpful?: boolean;
  harmful?: boolean;
}

export interface StoredEvent {
  runId: string;
  sequence: number;
  type: string;
  at: number;
  data: JsonObject;
}
