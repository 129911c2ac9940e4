import type { TaskAttemptOutcome } from './actor.ts';
import type { Verdict } from './verdict.ts';

/**
 * Why an attempt by the cheap model of a cascade is handed to the strong one: its verifier failed,
 * the critic judged it a failure, the critic passed it with low confidence (a score under the
 * threshold), or the model refused (no answer, an agent error, or an answer that is a refusal).
 * Undefined: the cheap attempt stands.
 */
export type EscalationReason = 'verifier-failed' | 'judge-failed' | 'low-confidence' | 'refused';

// The openings of a refusal; a refusal is not an answer to verify, so it escalates even without a judge.
const refusalPattern = /^\s*(?:i\s+(?:can(?:not|'t|’t)|am\s+unable|'m\s+unable|won't|will\s+not)\b|(?:sorry|unfortunately)\b[^.]*\b(?:can(?:not|'t|’t)|unable)\b)/i;

export function isRefusal(outcome: Pick<TaskAttemptOutcome, 'answer' | 'error' | 'errorCode'>): boolean {
  if (outcome.error !== undefined && outcome.errorCode !== 'budget-exceeded') return true;
  return outcome.answer === null || outcome.answer.trim() === '' || refusalPattern.test(outcome.answer);
}

export function escalationReason(outcome: TaskAttemptOutcome, verdict: Verdict | undefined, minConfidence: number): EscalationReason | undefined {
  if (isRefusal(outcome)) return 'refused';
  if (verdict === undefined) return undefined;
  if (verdict.source === 'verifier') return verdict.passed ? undefined : 'verifier-failed';
  if (verdict.source === 'critic') {
    if (!verdict.passed) return 'judge-failed';
    return verdict.score < minConfidence ? 'low-confidence' : undefined;
  }
  // Nobody could judge (no verifier, no critic): only a refusal escalates.
  return undefined;
}
