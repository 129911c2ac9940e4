import { BudgetExceededError } from '../core/errors.ts';
import type { BudgetLimits, ModelUsage, UsageMeter, UsageTotals } from './types.ts';

/**
 * Sums usage for one run and enforces its budgets. A call's cost is only known after it returns,
 * so `beforeCall` stops the run once a limit has been reached (the last call may overshoot it).
 */
export function createUsageMeter(limits: BudgetLimits = {}): UsageMeter & { readonly byPurpose: Record<string, UsageTotals['byModel'][string]> } {
  const totals: UsageTotals = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, byModel: {} };
  const byPurpose: Record<string, UsageTotals['byModel'][string]> = {};
  return {
    limits: { ...limits },
    byPurpose,
    beforeCall(model) {
      void model;
      if (limits.maxCalls !== undefined && totals.calls >= limits.maxCalls) {
        throw new BudgetExceededError('calls', limits.maxCalls, totals.calls);
      }
      const tokens = totals.inputTokens + totals.outputTokens;
      if (limits.maxTokens !== undefined && tokens >= limits.maxTokens) {
        throw new BudgetExceededError('tokens', limits.maxTokens, tokens);
      }
      if (limits.maxUsd !== undefined && totals.costUsd >= limits.maxUsd) {
        throw new BudgetExceededError('usd', limits.maxUsd, totals.costUsd);
      }
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
