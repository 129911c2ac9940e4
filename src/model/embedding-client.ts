import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import { systemClock, type Clock } from '../core/clock.ts';
import { defaultRetryConfig, defaultTimeoutMs } from './model-settings.ts';
import { toModelCallError } from './call-errors.ts';
import { callWithTimeout } from './call-timeout.ts';
import { costOf } from './pricing.ts';
import { withRetries, type RetryPolicy } from './retry.ts';
import { reserveCall } from './usage-meter.ts';
import type { CallOptions, EmbeddingClient, ModelPricing, ModelUsage, UsageMeter } from './types.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Embeddings over any AI SDK embedding model, with the same retries, timeout, accounting and
 * budgets as text calls. Large inputs are split into the provider's batch size.
 */
export interface EmbeddingClientOptions {
  spec: string;
  pricing?: ModelPricing | undefined;
  retries?: Partial<RetryPolicy>;
  timeoutMs?: number;
  clock?: Clock;
  random?: () => number;
  meter?: UsageMeter;
}

export function createEmbeddingClient(model: EmbeddingModelV4, options: EmbeddingClientOptions): EmbeddingClient {
  const policy: RetryPolicy = { ...defaultRetryConfig, ...options.retries };
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  return {
    spec: options.spec,
    async embed(values: string[], callOptions: CallOptions = {}) {
      const embeddings: number[][] = [];
      const usage: ModelUsage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
      if (values.length === 0) return { embeddings, usage };
      const batchSize = (await model.maxEmbeddingsPerCall) ?? values.length;
      const meter = callOptions.meter ?? options.meter;
      for (let start = 0; start < values.length; start += batchSize) {
        const batch = values.slice(start, start + batchSize);
        const release = reserveCall(meter, options.spec);
        let value: Awaited<ReturnType<typeof model.doEmbed>>;
        let batchUsage: ModelUsage;
        try {
          ({ value } = await withRetries(
            () =>
              callWithTimeout((abortSignal) => Promise.resolve(model.doEmbed({ values: batch, abortSignal })), {
                timeoutMs: callOptions.timeoutMs ?? options.timeoutMs ?? defaultTimeoutMs,
                what: `${options.spec} embedding`,
                ...definedOnly({ signal: callOptions.signal }),
              }),
            (error) => toModelCallError(error, options.spec, clock.now()),
            { policy, clock, random, ...definedOnly({ signal: callOptions.signal }) },
          ));
          const inputTokens = value.usage?.tokens ?? 0;
          batchUsage = { inputTokens, outputTokens: 0, costUsd: costOf({ inputTokens, outputTokens: 0 }, options.pricing) };
          meter?.record(options.spec, batchUsage, callOptions.purpose ?? 'embed');
        } finally {
          release();
        }
        usage.inputTokens += batchUsage.inputTokens;
        usage.costUsd += batchUsage.costUsd;
        embeddings.push(...value.embeddings);
      }
      return { embeddings, usage };
    },
  };
}
