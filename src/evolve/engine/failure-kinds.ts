/**
 * Kinds that say a candidate was turned away, not that something broke: a near-duplicate, an
 * edit that did not apply, an operator with nothing to do here, a spent budget, a cascade stage
 * scored below its threshold. They are counted apart from failures.
 */
export const rejectionKinds: ReadonlySet<string> = new Set(['novelty-rejected', 'apply-failed', 'not-applicable', 'budget', 'cascade-rejected']);

/** Replies that are never used, each recorded as a failure of its own kind: cut off, or over a size cap. */
export const replyLimitKinds: ReadonlySet<string> = new Set(['reply-truncated', 'reply-too-large', 'prompt-too-large', 'program-too-large']);

/** Failure kinds that end before the evaluator runs. */
export const preEvaluationFailures: ReadonlySet<string> = new Set(['apply-failed', 'model-error', 'operator-error', 'novelty-rejected', 'not-applicable', ...replyLimitKinds]);
