import { isRefusal } from '../agent/refusal.ts';
import type { TaskAttemptOutcome } from './actor.ts';
import type { Verdict } from './verdict.ts';

/**
 * Why an attempt by the cheap model of a cascade is handed to the strong one: its verifier failed,
 * the critic judged it a failure, the critic passed it with low confidence (a score under the
 * threshold), or the model refused (no answer, an agent error, or an answer that is a refusal).
 * Undefined: the cheap attempt stands.
 */
export type EscalationReason = 'verifier-failed' | 'judge-failed' | 'low-confidence' | 'refused';

/** A learn attempt as the agent's refusal rule sees it (an agent error without a code counts as one). */
export function isRefusedAttempt(outcome: TaskAttemptOutcome): boolean {
  return isRefusal({ answer: outcome.answer, errorCode: outcome.error === undefined ? undefined : (outcome.errorCode ?? 'agent-failed') });
}

export function escalationReason(outcome: TaskAttemptOutcome, verdict: Verdict | undefined, minConfidence: number): EscalationReason | undefined {
  if (isRefusedAttempt(outcome)) return 'refused';
  if (verdict === undefined) return undefined;
  if (verdict.source === 'verifier') return verdict.passed ? undefined : 'verifier-failed';
  if (verdict.source === 'critic') {
    if (!verdict.passed) return 'judge-failed';
    return verdict.score < minConfidence ? 'low-confidence' : undefined;
  }
  // Nobody could judge (no verifier, no critic): only a refusal escalates.
  return undefined;
}
