import { formatModelSpecString, parseModelSpecString, type ConfiguredModel } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { ModelSpec } from './types.ts';

/**
 * Model specs as strings (`openai:gpt-5-mini`, `openai-compatible:http://host/v1#qwen`,
 * `local:./models/tiny.gguf`) or objects. The grammar lives in core's config so the config file is
 * checked when it loads; this module is the model layer's face of it.
 */
export type ModelSpecInput = string | ModelSpec | ConfiguredModel;

export function parseModelSpec(input: ModelSpecInput, field = 'model'): ModelSpec {
  if (typeof input === 'string') return parseModelSpecString(input, field);
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError(field, `expected a model spec string or object, got ${JSON.stringify(input)}`);
  }
  if (typeof input.modelId !== 'string' || input.modelId === '') {
    throw new ConfigError(`${field}.modelId`, `expected a non-empty model id, got ${JSON.stringify(input.modelId)}`);
  }
  if (input.provider === 'openai-compatible' && (input.baseURL === undefined || input.baseURL === '')) {
    throw new ConfigError(`${field}.baseURL`, 'expected a base URL for an openai-compatible model');
  }
  if (input.provider === 'local' && input.path === undefined) {
    throw new ConfigError(`${field}.path`, 'expected the path of a .gguf file for a local model');
  }
  if (input.weight !== undefined && !(input.weight > 0 && Number.isFinite(input.weight))) {
    throw new ConfigError(`${field}.weight`, `expected a positive number, got ${JSON.stringify(input.weight)}`);
  }
  return { ...input };
}

/** The canonical string of a spec, used as the model's name in usage records and prices. */
export function formatModelSpec(spec: Pick<ModelSpec, 'provider' | 'modelId' | 'baseURL' | 'path'>): string {
  return formatModelSpecString(spec);
}
