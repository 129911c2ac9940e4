import type { RunHandle } from '../core/run-handle.ts';
import type { Library } from '../library/library.ts';
import type { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { LanguageModelClient, UsageMeter } from '../model/types.ts';
import type { Actor } from './actor.ts';
import type { Escalation } from './cascade-attempt.ts';
import type { CascadeSummary } from './cascade-summary.ts';
import type { LearnConfig } from './learn-config.ts';
import type { CurvePoint, LearnEvent } from './learn-events.ts';
import type { LearnProgress } from './learn-progress.ts';
import type { StepFailure } from './step-failure.ts';
import type { Task } from './task-stream.ts';
import type { RecordedAttempt } from './training-data.ts';

/**
 * What a learn run is given and what it returns. With a stored `progress`, every finished task,
 * every task's reflection and every proposal's decision is recorded as it happens, and a run given the same progress again (after a crash or
 * `kill -9`) skips what is recorded: finished tasks are not attempted, a started task reuses its
 * attempt and reflection, and no proposal is committed twice.
 */
export interface LearnOptions {
  tasks: readonly Task[];
  library: Library;
  /** The agent; with `escalation`, the cheap model of a cascade. */
  actor: Actor;
  /** The strong model of a cascade and when to use it; absent: the actor alone. */
  escalation?: Escalation | undefined;
  /** The model that judges (when a task has no verifier), reflects and consolidates. */
  learner: LanguageModelClient;
  config: LearnConfig;
  probes?: readonly Task[];
  index?: LibraryIndex;
  meter?: UsageMeter | undefined;
  /** Verifier commands run here. */
  cwd?: string | undefined;
  /** Where progress is recorded (`storeLearnProgress` to make the run resumable); in memory if absent. */
  progress?: LearnProgress;
  /** Stops the run before the next task or proposal (its reason becomes `stoppedBy`), as `stop()` does; nothing is lost. */
  signal?: AbortSignal;
}

/** A learn run's handle: the one RunHandle shape, with learn's events and result. */
export type LearnRun = RunHandle<LearnEvent, LearnResult>;

export interface LearnResult {
  curves: CurvePoint[];
  attempts: RecordedAttempt[];
  committed: number;
  rejected: number;
  /** Proposals that would have changed nothing (not versions, not commits). */
  unchanged: number;
  /** Every failed step of the run, in order. */
  failures: StepFailure[];
  /** Tasks finished by an earlier process of this run and skipped by this one. */
  resumedTasks: number;
  /** `stopped`: by `stop()`, the signal, the budget or a lost lease (why is in `stoppedBy`); what was done is recorded, and the same progress resumes it. */
  status: 'finished' | 'stopped';
  /** What the model cascade did and saved, when the run had one. */
  cascade?: CascadeSummary;
  stoppedBy?: string;
}

