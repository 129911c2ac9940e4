import type { JsonValue } from '../core/json.ts';
import type { Guardrail } from './knowledge.ts';

/**
 * Guardrails are checked before a tool call runs. Patterns are matched in the host (a regex over
 * the serialized input is safe to run); predicates are code from the library and run in the
 * sandbox through `evaluatePredicate`. A guardrail that cannot be evaluated blocks the call: a
 * broken safety rule must fail closed, not open.
 */
export type PredicateEvaluator = (source: string, toolName: string, input: JsonValue) => Promise<boolean>;

export interface GuardrailVerdict {
  guardrail: Guardrail;
  reason: string;
}

export async function checkGuardrails(
  guardrails: readonly Guardrail[],
  toolName: string,
  input: JsonValue,
  evaluatePredicate: PredicateEvaluator | undefined,
): Promise<GuardrailVerdict | undefined> {
  let serialized: string | undefined;
  for (const guardrail of guardrails) {
    if (!appliesTo(guardrail, toolName)) continue;
    if (guardrail.pattern !== undefined) {
      serialized ??= JSON.stringify(input);
      let pattern: RegExp;
      try {
        pattern = new RegExp(guardrail.pattern, guardrail.flags ?? 'i');
      } catch {
        return { guardrail, reason: `${guardrail.reason} (guardrail ${guardrail.name} has an invalid pattern, so the call is blocked)` };
      }
      if (!pattern.test(serialized)) continue;
    }
    if (guardrail.predicate !== undefined) {
      if (evaluatePredicate === undefined) {
        return { guardrail, reason: `${guardrail.reason} (guardrail ${guardrail.name} needs the sandbox to evaluate, so the call is blocked)` };
      }
      let matched: boolean;
      try {
        matched = await evaluatePredicate(guardrail.predicate, toolName, input);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { guardrail, reason: `${guardrail.reason} (guardrail ${guardrail.name} failed to evaluate: ${message}; the call is blocked)` };
      }
      if (!matched) continue;
    }
    if (guardrail.pattern === undefined && guardrail.predicate === undefined && guardrail.tools === undefined) continue;
    return { guardrail, reason: guardrail.reason };
  }
  return undefined;
}

function appliesTo(guardrail: Guardrail, toolName: string): boolean {
  if (guardrail.tools === undefined || guardrail.tools.length === 0) return true;
  return guardrail.tools.some((pattern) => (pattern.endsWith('*') ? toolName.startsWith(pattern.slice(0, -1)) : pattern === toolName));
}
