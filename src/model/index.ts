export * from './types.ts';
export { parseModelSpec, formatModelSpec, configuredProviders, type ConfiguredProvider, type ModelSpecInput } from './spec.ts';
export { modelConfig, configuredApiKeys, redactModelConfig } from './model-config.ts';
export { defaultModelLimits, defaultOllamaBaseURL, defaultRetryConfig, defaultTimeoutMs, type ModelConfig, type ModelLimits, type ProviderCredentials } from './model-settings.ts';
export { ollamaBaseURLFromHost } from './model-environment.ts';
export { defaultPrices, findPricing, costOf, type PriceTable } from './pricing.ts';
export { createUsageMeter } from './usage-meter.ts';
export { backoffDelay, withRetries, type RetryPolicy, type RetryContext } from './retry.ts';
export { toModelCallError, parseRetryAfter, isRetryableStatus } from './call-errors.ts';
export { isUnusableModelError } from './unusable-model.ts';
export { createLanguageModelClient, type LanguageModelClientOptions } from './language-model-client.ts';
export { createEmbeddingClient, type EmbeddingClientOptions } from './embedding-client.ts';
export { createEnsemble, type ModelEnsemble } from './ensemble.ts';
export {
  resolveModel,
  resolveModels,
  resolveEnsemble,
  resolveEmbeddingModel,
  resolveConfiguredEmbeddingModel,
  resolveParsedModel,
  resolveParsedEmbeddingModel,
  modelOptionsFromConfig,
  type ResolveModelOptions,
} from './resolve-model.ts';
export { findJsonValue, parseStructuredReply } from './structured-output.ts';
