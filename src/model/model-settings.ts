import type { RetryPolicy } from './retry.ts';
import type { ModelPricing, ModelSpec } from './types.ts';

/** The model section of lamarck.config.json once parsed (model-config.ts), and its defaults. */

/** Size caps on what goes to and comes from a model, in characters (JavaScript string length). */
export interface ModelLimits {
  /** A reply longer than this is a recorded failure (`reply-too-large`), never used. */
  maxReplyChars: number;
  /** A prompt longer than this is not sent; the call fails (`prompt-too-large`). */
  maxPromptChars: number;
}

export interface ProviderCredentials {
  openai: { apiKey?: string; baseURL?: string };
  anthropic: { apiKey?: string; baseURL?: string };
  ollama: { baseURL: string };
}

export interface ModelConfig {
  models: ModelSpec[];
  embeddingModel?: ModelSpec;
  /** The strong model of a cascade (`escalate`), used when the first model fails. */
  escalate?: ModelSpec;
  /** USD per million tokens, keyed by spec (`openai:gpt-5-mini`) or bare model id. */
  prices: Record<string, ModelPricing>;
  retries: RetryPolicy;
  /** Per-call timeout for model calls. */
  timeoutMs: number;
  limits: ModelLimits;
  providers: ProviderCredentials;
}

export const defaultRetryConfig: RetryPolicy = {
  maxAttempts: 4,
  initialDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
};

export const defaultTimeoutMs = 120_000;
export const defaultModelLimits: ModelLimits = { maxReplyChars: 200_000, maxPromptChars: 600_000 };
export const defaultOllamaBaseURL = 'http://127.0.0.1:11434/v1';
