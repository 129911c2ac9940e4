import { preEvaluationFailures, rejectionKinds } from './failure-kinds.ts';

/**
 * What each operator bought: proposals made, how many were turned away (by reason) or broke (by
 * kind), how many reached the evaluator, and how many scored above their parent. The summary shows
 * it so a user sees yield, not only failures, and the operator mix can be judged per call.
 */
export interface OperatorYield {
  proposed: number;
  evaluated: number;
  improved: number;
  rejected: Record<string, number>;
  failed: Record<string, number>;
}

export type AttemptOutcome =
  | { failureKind: null; score: number | null; parentScore: number | null }
  | { failureKind: string; deferred?: boolean };

export class OperatorYieldTally {
  private readonly byOperator = new Map<string, OperatorYield>();

  /** One stored child attempt. A deferred failure (waiting for its repair) is counted by `countFailure` later, if at all. */
  record(operator: string, outcome: AttemptOutcome): void {
    const entry = this.entry(operator);
    entry.proposed += 1;
    if (outcome.failureKind === null) {
      entry.evaluated += 1;
      if (outcome.score !== null && outcome.parentScore !== null && outcome.score > outcome.parentScore) entry.improved += 1;
      return;
    }
    if (!preEvaluationFailures.has(outcome.failureKind)) entry.evaluated += 1;
    if (outcome.deferred !== true) this.countFailure(operator, outcome.failureKind);
  }

  countFailure(operator: string, kind: string): void {
    const entry = this.entry(operator);
    const counts = rejectionKinds.has(kind) ? entry.rejected : entry.failed;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }

  toJSON(): Record<string, OperatorYield> {
    const result: Record<string, OperatorYield> = {};
    for (const [operator, entry] of [...this.byOperator].sort(([left], [right]) => left.localeCompare(right))) {
      result[operator] = { ...entry, rejected: { ...entry.rejected }, failed: { ...entry.failed } };
    }
    return result;
  }

  private entry(operator: string): OperatorYield {
    let entry = this.byOperator.get(operator);
    if (entry === undefined) {
      entry = { proposed: 0, evaluated: 0, improved: 0, rejected: {}, failed: {} };
      this.byOperator.set(operator, entry);
    }
    return entry;
  }
}
