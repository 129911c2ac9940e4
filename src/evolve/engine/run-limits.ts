import type { UsageMeter } from '../../model/types.ts';
import { reachedBudget } from '../../model/usage-meter.ts';
import type { EvolveSummary, EvolveStopReason } from './events.ts';

/** Why a run stops, as its summary will say it. */
export interface LimitStop {
  reason: EvolveStopReason;
  message: string | null;
}

/**
 * Whether attempt `iteration` may start under the run's own limits (iterations, wall time). The
 * iteration limit stops the run only once the pipeline is idle (`idle`): attempts already in flight
 * finish first. Undefined: it may start.
 */
export function iterationLimitStop(
  limits: { iterations?: number | undefined; wallTimeMs?: number | undefined },
  iteration: number,
  elapsedMs: number,
  idle: boolean,
): { start: false; stop: LimitStop | null } | undefined {
  if (limits.iterations !== undefined && iteration > limits.iterations) return { start: false, stop: idle ? { reason: 'iterations', message: null } : null };
  if (limits.wallTimeMs !== undefined && elapsedMs >= limits.wallTimeMs) {
    return { start: false, stop: { reason: 'wall-time', message: `wall-time budget of ${limits.wallTimeMs} ms reached` } };
  }
  return undefined;
}

/**
 * The model budget the run has spent, checked after each stored attempt by the meter's own rule
 * (`reachedBudget`), so a model-free attempt that follows a paid one does not start past the budget.
 */
export function spentBudgetStop(meter: UsageMeter): LimitStop | undefined {
  const reached = reachedBudget(meter.limits, meter.totals());
  if (reached === undefined) return undefined;
  const what = reached.kind === 'usd' ? 'USD' : reached.kind === 'tokens' ? 'token' : 'call';
  return { reason: `budget-${reached.kind}` as EvolveStopReason, message: `${what} budget of ${reached.limit} reached` };
}

/** How a run that stopped for `reason` ended: failed (error, nothing to evolve, unusable model), stopped on request, or finished. */
export function summaryStatus(reason: EvolveStopReason): EvolveSummary['status'] {
  if (reason === 'error' || reason === 'no-candidates' || reason === 'model-unusable') return 'failed';
  return reason === 'stopped' ? 'stopped' : 'finished';
}
