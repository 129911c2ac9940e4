import { BudgetExceededError } from '../core/errors.ts';
import { attemptTask } from './attempt-task.ts';
import type { AttemptSummary } from './consolidate.ts';
import { heldOutFor } from './held-out-sample.ts';
import type { LearnRunContext } from './learn-run-context.ts';
import type { FinishedTask, PendingTask, ProposalDecision } from './learn-progress.ts';
import { curvePoint } from './learn-result.ts';
import { recordCheapAttempt } from './model-routes.ts';
import { recordAttemptOutcome } from './record-outcome.ts';
import type { Task } from './task-stream.ts';

/**
 * One training task, phase by phase: attempt it (or take the attempt a crashed process recorded),
 * record which artifacts it used and whether it passed, decide each proposal (gate, commit or
 * reject), maintain the library (retirements), and finish with its curve point. Every phase's
 * result is recorded in the progress before the next begins, so a resumed run repeats none.
 */
export type TaskOutcome = { finished: FinishedTask } | { stoppedBy: string };

export async function learnTask(run: LearnRunContext, task: Task, position: number, recent: readonly AttemptSummary[]): Promise<TaskOutcome> {
  run.currentTaskId = task.id;
  run.gateFailures.length = 0;
  run.emit({ type: 'task-started', index: position, taskId: task.id });
  try {
    const pending = await recordUses(run, task, await attemptOrResume(run, task, position, recent));
    const decisions = await decideProposals(run, task, position, pending);
    if (decisions === undefined) return { stoppedBy: stopReason(run.options.signal) };
    await maintainLibrary(run, task);
    return { finished: await finishTask(run, task, position, pending, decisions) };
  } catch (error) {
    // A budget reached in any phase stops the run; what the finished phases recorded stays.
    if (!(error instanceof BudgetExceededError)) throw error;
    await run.saveUsage();
    return { stoppedBy: error.message };
  }
}

async function attemptOrResume(run: LearnRunContext, task: Task, position: number, recent: readonly AttemptSummary[]): Promise<PendingTask> {
  const { progress, options } = run;
  const recorded = await progress.pending(task.id);
  if (recorded !== undefined) {
    const decided = await Promise.all(recorded.proposals.map((planned) => progress.decision(planned.id)));
    run.emit({ type: 'task-resumed', taskId: task.id, decided: decided.filter((decision) => decision !== undefined).length, proposals: recorded.proposals.length });
    return recorded;
  }
  const context = { library: options.library, index: run.index, actor: options.actor, escalation: options.escalation, learner: options.learner, config: options.config, judge: run.judge, emit: run.emit, runId: progress.runId, meter: options.meter };
  const pending = await attemptTask(context, task, position, recent);
  await progress.savePending(task.id, pending);
  await run.saveUsage();
  return pending;
}

async function recordUses(run: LearnRunContext, task: Task, pending: PendingTask): Promise<PendingTask> {
  if (pending.usesRecorded) return pending;
  await recordAttemptOutcome(run.options.library, run.index, { task: task.prompt, uses: pending.uses, passed: pending.verdict.passed });
  await recordRoute(run, task, pending);
  const recorded = { ...pending, usesRecorded: true };
  await run.progress.savePending(task.id, recorded);
  return recorded;
}

/** A cheap attempt of a cascade counts on its kind's route (with the same once-only guard as the uses). */
async function recordRoute(run: LearnRunContext, task: Task, pending: PendingTask): Promise<void> {
  const { cascade } = pending;
  const escalation = run.options.escalation;
  if (cascade === undefined || cascade.used === 'strong' || escalation === undefined) return;
  const trajectoryIds = cascade.cheapTrajectoryId === undefined || cascade.cheapTrajectoryId === null ? [] : [cascade.cheapTrajectoryId];
  await recordCheapAttempt(run.options.library, cascade.taskKind, cascade.used === 'escalated', escalation.routeAfterFailures, { runId: run.progress.runId, taskId: task.id, trajectoryIds });
}

/** Each proposal's decision, in order; undefined when the run is stopped before one is decided. */
async function decideProposals(run: LearnRunContext, task: Task, position: number, pending: PendingTask): Promise<ProposalDecision[] | undefined> {
  const { config, signal } = run.options;
  const decisions: ProposalDecision[] = [];
  for (const [number, planned] of pending.proposals.entries()) {
    if (signal.aborted) return undefined;
    const heldOut = heldOutFor({ fixedHoldout: run.fixedHoldout, training: run.training, seed: config.seed, size: config.gate.holdoutSize }, position, task.id, number);
    decisions.push(await run.decider.decide(planned, heldOut, task.id));
    await run.saveUsage();
  }
  return decisions;
}

async function maintainLibrary(run: LearnRunContext, task: Task): Promise<void> {
  await run.index.sync(run.options.library);
  for (const retirement of await run.curator.maintain(run.options.library)) {
    run.emit({ type: 'artifact-retired', taskId: task.id, kind: retirement.entry.kind, name: retirement.entry.name, reason: retirement.reason });
  }
}

async function finishTask(run: LearnRunContext, task: Task, position: number, pending: PendingTask, decisions: ProposalDecision[]): Promise<FinishedTask> {
  const point = curvePoint(position, task, pending, decisions, [...run.gateFailures], run.index, run.options.meter);
  const finished: FinishedTask = { point, attempts: [...pending.attempts, ...decisions.flatMap((decision) => decision.attempts)], recent: pending.recent };
  await run.progress.saveFinished(task.id, finished);
  await run.saveUsage();
  run.emit({ type: 'task-finished', point });
  return finished;
}

/** Why the signal fired, in words: the reason given to `stop()`, else `stopped`. */
export function stopReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'stopped';
}
