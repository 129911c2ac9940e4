import { BudgetExceededError } from '../core/errors.ts';
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
    if (limits.maxCalls !== undefined && totals.calls + inFlight >= limits.maxCalls) {
      throw new BudgetExceededError('calls', limits.maxCalls, totals.calls + inFlight);
    }
    const tokens = totals.inputTokens + totals.outputTokens;
    if (limits.maxTokens !== undefined && tokens >= limits.maxTokens) {
      throw new BudgetExceededError('tokens', limits.maxTokens, tokens);
    }
    if (limits.maxUsd !== undefined && totals.costUsd >= limits.maxUsd) {
      throw new BudgetExceededError('usd', limits.maxUsd, totals.costUsd);
    }
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
