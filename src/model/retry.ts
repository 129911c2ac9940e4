import type { Clock } from '../core/clock.ts';
import type { LamarckError } from '../core/errors.ts';
import { ModelCallError } from '../core/errors.ts';

/**
 * Exponential backoff with jitter, our own rather than the AI SDK's (whose retries are off), so
 * the policy is one place and testable with a fake clock. A Retry-After from the server replaces
 * the computed delay; one longer than `maxRetryAfterMs` ends the call instead of stalling a run.
 */
export interface RetryPolicy {
  /** Total attempts per call, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for; the call fails instead. */
  maxRetryAfterMs: number;
}

export interface RetryContext {
  policy: RetryPolicy;
  clock: Clock;
  /** A float in [0, 1) for jitter. */
  random: () => number;
  signal?: AbortSignal | undefined;
  /** Told before each wait, for logs and tests. */
  onRetry?: ((event: { attempt: number; delayMs: number; error: LamarckError }) => void) | undefined;
}

/** The wait before attempt `attempt + 1`: base * 2^(attempt-1), capped, then jittered into [half, full]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, or attempts run out.
 * `classify` turns a thrown value into a LamarckError (deciding retryability).
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  classify: (error: unknown) => LamarckError,
  context: RetryContext,
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await operation(attempt), attempts: attempt };
    } catch (thrown) {
      if (context.signal?.aborted) throw thrown;
      const error = classify(thrown);
      if (!error.isRetryable || attempt >= context.policy.maxAttempts) throw annotateAttempts(error, attempt);
      const retryAfterMs = error instanceof ModelCallError ? error.retryAfterMs : undefined;
      if (retryAfterMs !== undefined && retryAfterMs > context.policy.maxRetryAfterMs) throw annotateAttempts(error, attempt);
      const delayMs = retryAfterMs ?? backoffDelay(attempt, context.policy, context.random);
      context.onRetry?.({ attempt, delayMs, error });
      await context.clock.sleep(delayMs, context.signal);
    }
  }
}

function annotateAttempts(error: LamarckError, attempts: number): LamarckError {
  // details is a plain record on every LamarckError; the attempt count helps when reading logs.
  error.details['attempts'] = attempts;
  return error;
}
