import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Prompt, LanguageModelV4Usage } from '@ai-sdk/provider';
import { systemClock, type Clock } from '../../core/clock.ts';
import { definedOnly } from '../../core/defined-only.ts';
import type { LamarckError } from '../../core/errors.ts';
import { defaultModelLimits, defaultRetryConfig, defaultTimeoutMs } from '../model-settings.ts';
import { costOf } from '../pricing.ts';
import type { RetryContext, RetryPolicy } from '../retry.ts';
import { replyChars, ReplyTooLargeError } from '../size-limits.ts';
import type { GenerateTextRequest, ModelPricing, ModelUsage, ProviderName, ToolCall, UsageMeter } from '../types.ts';

/**
 * What every phase of a call shares: the provider model, the client's options with their defaults
 * filled in, and the small rules each phase applies the same way (usage and cost, the reply cap,
 * the retry context, the call options of a request).
 */
export interface LanguageModelClientOptions {
  /** Canonical spec string, e.g. `openai:gpt-5-mini`. */
  spec: string;
  provider: ProviderName;
  modelId: string;
  nativeTools?: boolean;
  /** Whether the provider enforces a JSON schema itself; otherwise the schema goes in the prompt. */
  nativeStructuredOutput?: boolean;
  /**
   * Whether the provider samples JSON under a grammar that enforces any schema (local models). Text
   * tool calls are then constrained to well-formed replies; remote providers keep the plain fallback.
   */
  grammarConstrainedJson?: boolean | undefined;
  /** Undefined: the price is unknown and calls are counted at no cost. */
  pricing?: ModelPricing | undefined;
  retries?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /** Caps in characters (defaults: `defaultModelLimits`); see size-limits.ts. */
  maxReplyChars?: number;
  maxPromptChars?: number;
  /** Retry waits sleep on it, and an HTTP-date Retry-After is read against its `now()` (milliseconds since the epoch). */
  clock?: Clock;
  random?: () => number;
  /** Used for calls that bring no meter of their own. */
  meter?: UsageMeter;
  onRetry?: (event: { attempt: number; delayMs: number; error: LamarckError }) => void;
}

/** The request options a provider call takes apart from the prompt and sampling settings. */
export type CallShape = Pick<LanguageModelV4CallOptions, 'tools' | 'toolChoice' | 'responseFormat' | 'providerOptions'>;

export interface ClientContext {
  readonly model: LanguageModelV4;
  readonly options: LanguageModelClientOptions;
  /** The canonical spec, the model's name in errors, usage records and prices. */
  readonly name: string;
  readonly nativeTools: boolean;
  readonly maxReplyChars: number;
  readonly maxPromptChars: number;
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly random: () => number;
}

export function clientContext(model: LanguageModelV4, options: LanguageModelClientOptions): ClientContext {
  return {
    model,
    options,
    name: options.spec,
    nativeTools: options.nativeTools ?? true,
    maxReplyChars: options.maxReplyChars ?? defaultModelLimits.maxReplyChars,
    maxPromptChars: options.maxPromptChars ?? defaultModelLimits.maxPromptChars,
    policy: { ...defaultRetryConfig, ...options.retries },
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
  };
}

/** A reply over its cap is paid for (already metered) but never used. */
export function assertReplyWithinLimit(context: ClientContext, text: string, toolCalls: readonly ToolCall[], usage: ModelUsage): void {
  const chars = replyChars(text, toolCalls);
  if (chars > context.maxReplyChars) throw new ReplyTooLargeError({ model: context.name, chars, limit: context.maxReplyChars, text, usage });
}

export function usageOf(context: ClientContext, usage: LanguageModelV4Usage | undefined): ModelUsage {
  const inputTokens = usage?.inputTokens.total ?? 0;
  const outputTokens = usage?.outputTokens.total ?? 0;
  return { inputTokens, outputTokens, costUsd: costOf({ inputTokens, outputTokens }, context.options.pricing) };
}

export function retryContext(context: ClientContext, signal: AbortSignal | undefined): RetryContext {
  return { policy: context.policy, clock: context.clock, random: context.random, signal, onRetry: context.options.onRetry };
}

export function callOptionsFor(request: GenerateTextRequest, prompt: LanguageModelV4Prompt, shape: CallShape): LanguageModelV4CallOptions {
  // The provider's own option types do not take `undefined`, so unset settings are left out.
  return { prompt, ...shape, ...definedOnly({ temperature: request.temperature, maxOutputTokens: request.maxOutputTokens }) };
}

export function timeoutFor(context: ClientContext, request: GenerateTextRequest): number {
  return request.timeoutMs ?? context.options.timeoutMs ?? defaultTimeoutMs;
}

export function meterFor(context: ClientContext, request: GenerateTextRequest): UsageMeter | undefined {
  return request.meter ?? context.options.meter;
}
