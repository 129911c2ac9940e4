import { EventChannel } from '../core/event-channel.ts';
import { createId } from '../core/ids.ts';
import type { LearnEvent } from './learn-events.ts';
import type { LearnOptions, LearnResult, LearnRun } from './learn-options.ts';
import { memoryLearnProgress, type LearnProgress } from './learn-progress.ts';
import { LearnTally } from './learn-result.ts';
import { prepareLearnRun } from './learn-run-context.ts';
import { learnTask, stopReason } from './learn-task.ts';

export type { LearnOptions, LearnResult, LearnRun } from './learn-options.ts';

/**
 * The learn loop, as its diagram: set up the run, then for each training task retrieve → act →
 * judge → reflect → distill → curate → gate → commit, and the next task sees the new library. The
 * phases are files: learn-run-context (setup), learn-task (one task: attempt-task, record-outcome,
 * decide-proposal with held-out-sample, maintenance, finish), learn-result (curve and result).
 *
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
  const run = prepareLearnRun(options, emit);
  const tally = new LearnTally();
  for (const [position, task] of run.training.entries()) {
    // A task a crashed or stopped process finished is taken as recorded, not attempted again.
    const finished = await run.progress.finished(task.id);
    if (finished !== undefined) {
      tally.add(finished);
      tally.resumedTasks += 1;
      continue;
    }
    if (options.signal.aborted) return tally.result(stopReason(options.signal));
    const outcome = await learnTask(run, task, position, tally.recent);
    if ('stoppedBy' in outcome) return tally.result(outcome.stoppedBy);
    tally.add(outcome.finished);
  }
  return tally.result();
}
