import path from 'node:path';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingModelV4, LanguageModelV4 } from '@ai-sdk/provider';
import type { Clock } from '../core/clock.ts';
import type { LamarckConfig } from '../core/config.ts';
import { ConfigError, type LamarckError } from '../core/errors.ts';
import { createEmbeddingClient } from './embedding-client.ts';
import { createEnsemble, type ModelEnsemble } from './ensemble.ts';
import { createLanguageModelClient } from './language-model-client.ts';
import { createLazyLocalModel } from './local-model-loader.ts';
import { findPricing, type PriceTable } from './pricing.ts';
import type { RetryPolicy } from './retry.ts';
import { modelConfig } from './model-config.ts';
import { defaultOllamaBaseURL, type ModelConfig, type ModelLimits } from './model-settings.ts';
import { formatModelSpec, parseModelSpec, type ModelSpecInput } from './spec.ts';
import type { EmbeddingClient, EnsembleMember, LanguageModelClient, ModelSpec, UsageMeter } from './types.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * From a spec to a working client: picks the AI SDK provider, fills credentials and base URLs
 * from the configuration, and wraps the model in the shared client (retries, timeout, accounting).
 * The providers' own retries never run: we call the provider models directly, below the AI SDK's
 * retrying `generateText`, so our policy is the only one.
 */
export interface ResolveModelOptions {
  providers?: {
    openai?: { apiKey?: string; baseURL?: string };
    anthropic?: { apiKey?: string; baseURL?: string };
    ollama?: { baseURL?: string };
  };
  prices?: PriceTable;
  retries?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /** Size caps in characters (`limits` in lamarck.config.json). */
  limits?: Partial<ModelLimits>;
  clock?: Clock;
  random?: () => number;
  meter?: UsageMeter;
  /** Replaces global fetch for HTTP providers (proxies, tests). */
  fetch?: typeof globalThis.fetch;
  /** Relative `local:` paths resolve against this directory. */
  cwd?: string;
  /** The config field the spec came from, for error messages. */
  field?: string;
  onRetry?: (event: { attempt: number; delayMs: number; error: LamarckError }) => void;
}

export function resolveModel(input: ModelSpecInput, options: ResolveModelOptions = {}): LanguageModelClient {
  return resolveParsedModel(parseModelSpec(input, options.field ?? 'model'), options);
}

/** A client for a spec that is already parsed (the configuration's, checked once by modelConfig), so it is not checked again. */
export function resolveParsedModel(spec: ModelSpec, options: ResolveModelOptions): LanguageModelClient {
  const canonical = formatModelSpec(spec);
  const { model, nativeStructuredOutput, defaultNativeTools, grammarConstrainedJson } = providerModel(spec, options);
  return createLanguageModelClient(model, {
    spec: canonical,
    provider: spec.provider,
    modelId: spec.modelId,
    nativeTools: spec.nativeTools ?? defaultNativeTools,
    nativeStructuredOutput,
    grammarConstrainedJson,
    pricing: findPricing(spec, canonical, options.prices),
    ...sharedOptions(options),
  });
}

export function resolveEmbeddingModel(input: ModelSpecInput, options: ResolveModelOptions = {}): EmbeddingClient {
  const field = options.field ?? 'embeddingModel';
  return resolveParsedEmbeddingModel(parseModelSpec(input, field), options, field);
}

/** An embedding client for a spec that is already parsed (see resolveParsedModel). */
export function resolveParsedEmbeddingModel(spec: ModelSpec, options: ResolveModelOptions, field: string): EmbeddingClient {
  const canonical = formatModelSpec(spec);
  return createEmbeddingClient(providerEmbeddingModel(spec, options, field), {
    spec: canonical,
    pricing: findPricing(spec, canonical, options.prices),
    ...sharedOptions(options),
  });
}

/** The options a loaded configuration implies; explicit `overrides` win. */
export function modelOptionsFromConfig(loaded: LamarckConfig | ModelConfig, overrides: ResolveModelOptions = {}): ResolveModelOptions {
  const config = parsedModelConfig(loaded);
  return {
    providers: config.providers,
    prices: config.prices,
    retries: config.retries,
    timeoutMs: config.timeoutMs,
    limits: config.limits,
    ...overrides,
  };
}

/** Every configured model as an ensemble member (weight 1 unless configured). */
export function resolveModels(loaded: LamarckConfig | ModelConfig, overrides: ResolveModelOptions = {}): EnsembleMember[] {
  const config = parsedModelConfig(loaded);
  const options = modelOptionsFromConfig(config, overrides);
  return config.models.map((spec, index) => ({
    model: resolveParsedModel(spec, { ...options, field: `models.${index}` }),
    weight: spec.weight ?? 1,
  }));
}

/** The configured models as a weighted ensemble, or undefined when none is configured (model-free runs). */
export function resolveEnsemble(config: LamarckConfig | ModelConfig, overrides: ResolveModelOptions = {}): ModelEnsemble | undefined {
  const members = resolveModels(config, overrides);
  return members.length === 0 ? undefined : createEnsemble(members);
}

/** The configured embedding model, or undefined when none is set. */
export function resolveConfiguredEmbeddingModel(loaded: LamarckConfig | ModelConfig, overrides: ResolveModelOptions = {}): EmbeddingClient | undefined {
  const config = parsedModelConfig(loaded);
  if (config.embeddingModel === undefined) return undefined;
  return resolveParsedEmbeddingModel(config.embeddingModel, modelOptionsFromConfig(config, overrides), 'embeddingModel');
}

/** A loaded configuration's model section, parsed; one already parsed passes through, so it is not checked twice. */
function parsedModelConfig(config: LamarckConfig | ModelConfig): ModelConfig {
  return 'models' in config ? config : modelConfig(config);
}

function sharedOptions(options: ResolveModelOptions) {
  return {
    ...definedOnly({ retries: options.retries, timeoutMs: options.timeoutMs }),
    ...definedOnly({ maxReplyChars: options.limits?.maxReplyChars, maxPromptChars: options.limits?.maxPromptChars }),
    ...definedOnly({ clock: options.clock, random: options.random, meter: options.meter, onRetry: options.onRetry }),
  };
}

function providerModel(
  spec: ModelSpec,
  options: ResolveModelOptions,
): { model: LanguageModelV4; nativeStructuredOutput: boolean; defaultNativeTools: boolean; grammarConstrainedJson?: boolean | undefined } {
  switch (spec.provider) {
    case 'openai':
      return { model: openaiProvider(spec, options).chat(spec.modelId), nativeStructuredOutput: true, defaultNativeTools: true };
    case 'anthropic':
      return { model: anthropicProvider(spec, options).messages(spec.modelId), nativeStructuredOutput: true, defaultNativeTools: true };
    case 'ollama':
    case 'openai-compatible':
      return { model: compatibleProvider(spec, options).chatModel(spec.modelId), nativeStructuredOutput: false, defaultNativeTools: true };
    case 'local':
      // Local models sample JSON under a grammar, but have no native tool calling.
      return {
        model: createLazyLocalModel(localPath(spec, options)),
        nativeStructuredOutput: true,
        defaultNativeTools: false,
        grammarConstrainedJson: true,
      };
    case 'scripted':
      throw new ConfigError(options.field ?? 'model', 'scripted models come from createScriptedModel in lamarck/testing, not from a spec');
  }
}

function providerEmbeddingModel(spec: ModelSpec, options: ResolveModelOptions, field: string): EmbeddingModelV4 {
  switch (spec.provider) {
    case 'openai':
      return openaiProvider(spec, options).embedding(spec.modelId);
    case 'ollama':
    case 'openai-compatible':
      return compatibleProvider(spec, options).embeddingModel(spec.modelId);
    default:
      throw new ConfigError(
        field,
        `${spec.provider} offers no embedding models here; use e.g. "openai:text-embedding-3-small" or "ollama:nomic-embed-text"`,
      );
  }
}

function openaiProvider(spec: ModelSpec, options: ResolveModelOptions) {
  const apiKey = spec.apiKey ?? options.providers?.openai?.apiKey;
  const baseURL = spec.baseURL ?? options.providers?.openai?.baseURL;
  return createOpenAI({
    ...definedOnly({ apiKey, baseURL, fetch: options.fetch }),
  });
}

function anthropicProvider(spec: ModelSpec, options: ResolveModelOptions) {
  const apiKey = spec.apiKey ?? options.providers?.anthropic?.apiKey;
  const baseURL = spec.baseURL ?? options.providers?.anthropic?.baseURL;
  return createAnthropic({
    ...definedOnly({ apiKey, baseURL, fetch: options.fetch }),
  });
}

function compatibleProvider(spec: ModelSpec, options: ResolveModelOptions) {
  const baseURL =
    spec.provider === 'ollama' ? (spec.baseURL ?? options.providers?.ollama?.baseURL ?? defaultOllamaBaseURL) : spec.baseURL;
  if (baseURL === undefined) throw new ConfigError(`${options.field ?? 'model'}.baseURL`, 'expected a base URL');
  return createOpenAICompatible({
    name: spec.provider,
    baseURL,
    includeUsage: true,
    ...definedOnly({ apiKey: spec.apiKey, fetch: options.fetch }),
  });
}

function localPath(spec: ModelSpec, options: ResolveModelOptions): string {
  const file = spec.path ?? spec.modelId;
  return path.resolve(options.cwd ?? process.cwd(), file);
}
