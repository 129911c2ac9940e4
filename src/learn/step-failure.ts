import { BudgetExceededError, isLamarckError } from '../core/errors.ts';

/**
 * A step of a learn task that failed without ending the run: the model's reply for it was unusable
 * (not JSON after the repair, cut off, over its size cap). It is recorded with its cause in the
 * task's trajectory, the run's events and the learning curve, and the run goes on with the next
 * step or task. Anything else (a budget, a store failure, an unreachable model, a bug) still ends
 * the run, because going on could not help.
 */
export type LearnStep = 'act' | 'judge' | 'reflect' | 'consolidate';

export interface StepFailure {
  step: LearnStep;
  code: string;
  message: string;
  /** The held-out task or probe being judged, when the gate's judging failed. */
  gateTaskId?: string;
}

/** The failure to record for an error thrown by a step, or undefined when the error must end the run. */
export function stepFailureOf(step: LearnStep, error: unknown): StepFailure | undefined {
  if (error instanceof BudgetExceededError || !isLamarckError(error) || error.fault !== 'model') return undefined;
  return { step, code: error.code, message: error.message };
}

/** Counts and the latest message per step, for run summaries. */
export function summarizeFailures(failures: readonly StepFailure[]): Record<string, { count: number; latest: string }> {
  const summary: Record<string, { count: number; latest: string }> = {};
  for (const failure of failures) {
    const line = (summary[failure.step] ??= { count: 0, latest: '' });
    line.count += 1;
    line.latest = failure.message;
  }
  return summary;
}
