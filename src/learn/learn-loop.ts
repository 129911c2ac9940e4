import { createHash } from 'node:crypto';
import { BudgetExceededError } from '../core/errors.ts';
import { EventChannel } from '../core/event-channel.ts';
import { type RunHandle } from '../core/run-handle.ts';
import { createId } from '../core/ids.ts';
import { Random } from '../core/random.ts';
import type { Library } from '../library/library.ts';
import { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { LanguageModelClient, UsageMeter } from '../model/types.ts';
import type { Actor } from './actor.ts';
import { attemptTask } from './attempt-task.ts';
import { curatorFromConfig } from './curator-from-config.ts';
import type { AttemptSummary } from './consolidate.ts';
import { ProposalDecider } from './decide-proposal.ts';
import { Gate, type GateAttempt } from './gate.ts';
import { judgeAttempt } from './judge.ts';
import type { LearnConfig } from './learn-config.ts';
import { recordAttemptOutcome } from './record-outcome.ts';
import type { CurvePoint, LearnEvent } from './learn-events.ts';
import { memoryLearnProgress, type LearnProgress, type PendingTask, type ProposalDecision } from './learn-progress.ts';
import type { StepFailure } from './step-failure.ts';
import type { Task } from './task-stream.ts';
import type { RecordedAttempt } from './training-data.ts';
import type { Verdict } from './verdict.ts';

/**
 * The learn loop, as a thin orchestrator: for each training task, retrieve → act → judge →
 * reflect → distill → curate → gate → commit, then the next task sees the new library. Every few
 * tasks related attempts are consolidated into one skill, and low-utility artifacts are retired.
 *
 * With a stored `progress`, every finished task, every task's reflection and every proposal's
 * decision is recorded as it happens, and a run given the same progress again (after a crash or
 * `kill -9`) skips what is recorded: finished tasks are not attempted, a started task reuses its
 * attempt and reflection, and no proposal is committed twice.
 */
export interface LearnOptions {
  tasks: readonly Task[];
  library: Library;
  actor: Actor;
  /** The model that judges (when a task has no verifier), reflects and consolidates. */
  learner: LanguageModelClient;
  config: LearnConfig;
  probes?: readonly Task[];
  index?: LibraryIndex;
  meter?: UsageMeter;
  /** Verifier commands run here. */
  cwd?: string;
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
  stoppedBy?: string;
}

/**
 * Starts a learn run and returns its handle at once. `stop()` ends it at the next safe point
 * (before the next task or the next proposal's decision), with every finished task, reflection
 * and decision recorded in `progress`, so a run given the same progress continues where it stopped.
 */
export function runLearn(options: LearnOptions): LearnRun {
  const channel = new EventChannel<LearnEvent>();
  const controller = new AbortController();
  const stop = (reason?: string): void => {
    if (!controller.signal.aborted) controller.abort(new Error(reason ?? 'stopped on request'));
  };
  const onAbort = (): void => controller.abort(options.signal?.reason);
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = options.progress ?? memoryLearnProgress(createId('lrn'));
  // Starting on a later tick lets the caller subscribe to `events` before the first one.
  const result = Promise.resolve()
    .then(() => learn({ ...options, progress, signal: controller.signal }, (event) => channel.publish(event)))
    .finally(() => {
      options.signal?.removeEventListener('abort', onAbort);
      channel.close();
    });
  return { runId: Promise.resolve(progress.runId), events: channel, result, stop };
}

async function learn(options: LearnOptions & { progress: LearnProgress; signal: AbortSignal }, emit: (event: LearnEvent) => void): Promise<LearnResult> {
  const { library, config, progress } = options;
  const index = options.index ?? new LibraryIndex();
  const curator = curatorFromConfig(index, config);
  let currentTaskId = '';
  const gateFailures: StepFailure[] = [];
  const judge = async (task: Task, answer: string | null, transcript: string): Promise<Verdict> =>
    judgeAttempt(task, answer, transcript, {
      critic: options.learner,
      ...(options.meter === undefined ? {} : { meter: options.meter }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
  let gateAttempts: RecordedAttempt[] = [];
  const onGateAttempt = (attempt: GateAttempt): void => {
    gateAttempts.push({ taskId: attempt.task.id, prompt: attempt.task.prompt, answer: attempt.answer, passed: attempt.verdict.passed, score: attempt.verdict.score, trajectoryId: attempt.trajectoryId });
    if (attempt.verdict.error !== undefined) {
      // The critic failed on a held-out task or probe: the gate scored that attempt as a failure.
      const failure: StepFailure = { step: 'judge', ...attempt.verdict.error, gateTaskId: attempt.task.id };
      gateFailures.push(failure);
      emit({ type: 'step-failed', taskId: currentTaskId, failure });
    }
  };
  const gate = new Gate({ index, actor: options.actor, judge, config, probes: [...(options.probes ?? [])], onAttempt: onGateAttempt });
  const decider = new ProposalDecider({
    library,
    index,
    curator,
    gate,
    progress,
    emit,
    takeGateAttempts: () => {
      const taken = gateAttempts;
      gateAttempts = [];
      return taken;
    },
  });
  const holdout = options.tasks.filter((task) => task.split === 'holdout');
  const training = options.tasks.filter((task) => task.split !== 'holdout');
  const fixedHoldout = shuffle(holdout, new Random(config.seed)).slice(0, config.gate.holdoutSize);
  const curves: CurvePoint[] = [];
  const attempts: RecordedAttempt[] = [];
  let recent: AttemptSummary[] = [];
  let resumedTasks = 0;
  const result = (stoppedBy?: string): LearnResult => ({
    curves,
    attempts,
    committed: sum(curves, (point) => point.committed),
    rejected: sum(curves, (point) => point.rejected),
    unchanged: sum(curves, (point) => point.unchanged),
    failures: curves.flatMap((point) => point.failures),
    resumedTasks,
    status: stoppedBy === undefined ? 'finished' : 'stopped',
    ...(stoppedBy === undefined ? {} : { stoppedBy }),
  });
  const saveUsage = async (): Promise<void> => {
    if (options.meter !== undefined) await progress.saveUsage(options.meter.totals());
  };

  for (const [position, task] of training.entries()) {
    const finished = await progress.finished(task.id);
    if (finished !== undefined) {
      curves.push(finished.point);
      attempts.push(...finished.attempts);
      recent = finished.recent;
      resumedTasks += 1;
      continue;
    }
    if (isAborted(options.signal)) return result(stopReason(options.signal!));
    currentTaskId = task.id;
    gateFailures.length = 0;
    emit({ type: 'task-started', index: position, taskId: task.id });
    try {
      let pending = await progress.pending(task.id);
      if (pending === undefined) {
        pending = await attemptTask(
          { library, index, actor: options.actor, learner: options.learner, config, judge, emit, runId: progress.runId, ...(options.meter === undefined ? {} : { meter: options.meter }) },
          task,
          position,
          recent,
        );
        await progress.savePending(task.id, pending);
        await saveUsage();
      } else {
        const decided = await Promise.all(pending.proposals.map((planned) => progress.decision(planned.id)));
        emit({ type: 'task-resumed', taskId: task.id, decided: decided.filter((decision) => decision !== undefined).length, proposals: pending.proposals.length });
      }
      if (!pending.usesRecorded) {
        await recordAttemptOutcome(library, index, { task: task.prompt, uses: pending.uses, passed: pending.verdict.passed });
        pending = { ...pending, usesRecorded: true };
        await progress.savePending(task.id, pending);
      }

      const decisions: ProposalDecision[] = [];
      for (const [number, planned] of pending.proposals.entries()) {
        if (isAborted(options.signal)) return result(stopReason(options.signal!));
        const heldOut = fixedHoldout.length > 0 ? fixedHoldout : shuffle(training.slice(0, position), new Random(seedFor(config.seed, task.id, number))).slice(0, config.gate.holdoutSize);
        decisions.push(await decider.decide(planned, heldOut, task.id));
        await saveUsage();
      }

      await index.sync(library);
      for (const retirement of await curator.maintain(library)) {
        emit({ type: 'artifact-retired', taskId: task.id, kind: retirement.entry.kind, name: retirement.entry.name, reason: retirement.reason });
      }
      const point = curvePoint(position, task, pending, decisions, [...gateFailures], index, options.meter);
      const taskAttempts = [...pending.attempts, ...decisions.flatMap((decision) => decision.attempts)];
      await progress.saveFinished(task.id, { point, attempts: taskAttempts, recent: pending.recent });
      await saveUsage();
      curves.push(point);
      attempts.push(...taskAttempts);
      recent = pending.recent;
      emit({ type: 'task-finished', point });
    } catch (error) {
      if (error instanceof BudgetExceededError) {
        await saveUsage();
        return result(error.message);
      }
      throw error;
    }
  }
  return result();
}

/** A function, so a check after an await reads the signal afresh. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function stopReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'stopped';
}

function curvePoint(
  position: number,
  task: Task,
  pending: PendingTask,
  decisions: readonly ProposalDecision[],
  gateFailures: StepFailure[],
  index: LibraryIndex,
  meter: UsageMeter | undefined,
): CurvePoint {
  const count = (outcome: ProposalDecision['outcome']): number => decisions.filter((decision) => decision.outcome === outcome).length;
  return {
    index: position,
    taskId: task.id,
    passed: pending.verdict.passed,
    score: pending.verdict.score,
    verdictSource: pending.verdict.source,
    costUsd: pending.costUsd,
    inputTokens: pending.inputTokens,
    outputTokens: pending.outputTokens,
    tokensInjected: pending.tokensInjected,
    librarySize: index.entries().filter((entry) => entry.status !== 'retired').length,
    newArtifacts: count('committed-new'),
    committed: count('committed-new') + count('committed'),
    rejected: pending.refused + count('rejected'),
    unchanged: count('unchanged'),
    failures: [...pending.failures, ...gateFailures],
    learningCostUsd: Math.max(0, (meter?.totals().costUsd ?? 0) - pending.costBefore - pending.costUsd),
  };
}

/**
 * The seed of a proposal's held-out sample: it depends only on the configured seed, the task and
 * the proposal's place, so a resumed run (or a rerun with the same seed) draws the same sample.
 */
function seedFor(seed: number, taskId: string, proposalNumber: number): number {
  return createHash('sha256').update(`${seed}\u0000${taskId}\u0000${proposalNumber}`).digest().readUInt32LE(0);
}

function shuffle<T>(items: readonly T[], random: Random): T[] {
  return random.shuffle([...items]);
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}
