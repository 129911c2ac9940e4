export * from './types.ts';
export { parseModelSpec, formatModelSpec, type ModelSpecInput } from './spec.ts';
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
  modelOptionsFromConfig,
  type ResolveModelOptions,
} from './resolve-model.ts';
export { findJsonValue, parseStructuredReply } from './structured-output.ts';
