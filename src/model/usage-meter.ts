import { BudgetExceededError, type BudgetKind } from '../core/errors.ts';
import type { BudgetLimits, ModelUsage, UsageMeter, UsageTotals } from './types.ts';

/**
 * Sums usage for one run and enforces its budgets. A call's cost is only known after it returns,
 * so `beforeCall` stops the run once a limit has been reached (the calls in flight then may
 * overshoot the token and USD limits). Calls in flight count against maxCalls, so that limit holds
 * exactly however many calls run at once.
 */
export function createUsageMeter(limits: BudgetLimits = {}): UsageMeter & { readonly byPurpose: Record<string, UsageTotals['byModel'][string]> } {
  const totals: UsageTotals = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, byModel: {} };
  const byPurpose: Record<string, UsageTotals['byModel'][string]> = {};
  let inFlight = 0;
  const check = (): void => {
    const reached = reachedBudget(limits, totals, inFlight);
    if (reached !== undefined) throw new BudgetExceededError(reached.kind, reached.limit, reached.used);
  };
  return {
    limits: { ...limits },
    byPurpose,
    beforeCall: check,
    reserveCall() {
      check();
      inFlight += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= 1;
      };
    },
    record(model, usage, purpose) {
      add(totals, usage);
      add((totals.byModel[model] ??= emptyLine()), usage);
      if (purpose !== undefined) add((byPurpose[purpose] ??= emptyLine()), usage);
    },
    totals() {
      return structuredClone(totals);
    },
  };
}

/**
 * The first budget that `totals` (plus the calls in flight) has reached, if any: the one rule the
 * meter enforces before each call and a loop checks after each step (evolve's engine), so the two
 * cannot disagree about when a budget is spent.
 */
export function reachedBudget(limits: BudgetLimits, totals: Pick<UsageTotals, 'calls' | 'inputTokens' | 'outputTokens' | 'costUsd'>, inFlight = 0): { kind: BudgetKind; limit: number; used: number } | undefined {
  if (limits.maxCalls !== undefined && totals.calls + inFlight >= limits.maxCalls) return { kind: 'calls', limit: limits.maxCalls, used: totals.calls + inFlight };
  const tokens = totals.inputTokens + totals.outputTokens;
  if (limits.maxTokens !== undefined && tokens >= limits.maxTokens) return { kind: 'tokens', limit: limits.maxTokens, used: tokens };
  if (limits.maxUsd !== undefined && totals.costUsd >= limits.maxUsd) return { kind: 'usd', limit: limits.maxUsd, used: totals.costUsd };
  return undefined;
}

function emptyLine(): UsageTotals['byModel'][string] {
  return { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
}

function add(line: { calls: number; inputTokens: number; outputTokens: number; costUsd: number }, usage: ModelUsage): void {
  line.calls += 1;
  line.inputTokens += usage.inputTokens;
  line.outputTokens += usage.outputTokens;
  line.costUsd += usage.costUsd;
}

/** Holds a place in the meter's call budget for one call; meters without reservations only check. */
export function reserveCall(meter: UsageMeter | undefined, model: string): () => void {
  if (meter === undefined) return () => undefined;
  if (meter.reserveCall !== undefined) return meter.reserveCall(model);
  meter.beforeCall(model);
  return () => undefined;
}
