/**
 * Kinds that say a candidate was turned away, not that something broke: a near-duplicate, an
 * edit that did not apply, an operator with nothing to do here, a spent budget, a cascade stage
 * scored below its threshold. They are counted apart from failures.
 */
export const rejectionKinds: ReadonlySet<string> = new Set(['novelty-rejected', 'apply-failed', 'not-applicable', 'budget', 'cascade-rejected']);

/** Failure kinds that end before the evaluator runs. */
export const preEvaluationFailures: ReadonlySet<string> = new Set(['apply-failed', 'model-error', 'operator-error', 'novelty-rejected', 'not-applicable']);
