import type { AgentUsage, AgentStopReason } from './types.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Stop conditions are plain functions of the run's progress, checked before every model call and
 * composed with `anyOf`; the first that fires names the reason. Budgets in money or tokens are
 * also enforced by the UsageMeter, which throws BudgetExceededError before an over-budget call.
 */
export interface AgentProgress {
  readonly step: number;
  readonly elapsedMs: number;
  readonly answer: string | null;
  readonly usage: AgentUsage;
}

export type StopCondition = (progress: AgentProgress) => AgentStopReason | undefined;

export function answerGiven(): StopCondition {
  return (progress) => (progress.answer !== null ? 'answered' : undefined);
}

export function stepLimit(maxSteps: number): StopCondition {
  return (progress) => (progress.step >= maxSteps ? 'step-limit' : undefined);
}

export function timeLimit(maxTimeMs: number): StopCondition {
  return (progress) => (progress.elapsedMs >= maxTimeMs ? 'time-limit' : undefined);
}

/** Stops once the run has spent `maxUsd` or `maxTokens` (input plus output). */
export function budgetLimit(limits: { maxUsd?: number; maxTokens?: number }): StopCondition {
  return (progress) => {
    if (limits.maxUsd !== undefined && progress.usage.costUsd >= limits.maxUsd) return 'budget';
    const tokens = progress.usage.inputTokens + progress.usage.outputTokens;
    if (limits.maxTokens !== undefined && tokens >= limits.maxTokens) return 'budget';
    return undefined;
  };
}

export function anyOf(...conditions: StopCondition[]): StopCondition {
  return (progress) => {
    for (const condition of conditions) {
      const reason = condition(progress);
      if (reason !== undefined) return reason;
    }
    return undefined;
  };
}

/** The run's stop condition: an answer, the limits that are set, then the caller's own conditions. */
export function stopConditionFor(
  limits: { maxSteps: number; maxTimeMs?: number; maxUsd?: number; maxTokens?: number },
  extra: readonly StopCondition[],
): StopCondition {
  return anyOf(
    answerGiven(),
    stepLimit(limits.maxSteps),
    ...(limits.maxTimeMs === undefined ? [] : [timeLimit(limits.maxTimeMs)]),
    budgetLimit({ ...definedOnly({ maxUsd: limits.maxUsd }), ...definedOnly({ maxTokens: limits.maxTokens }) }),
    ...extra,
  );
}
