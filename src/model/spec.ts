import path from 'node:path';
import { ConfigError } from '../core/errors.ts';
import type { ModelSpec } from './types.ts';

/**
 * The model-spec grammar: `openai:<id>`, `anthropic:<id>`, `ollama:<id>`,
 * `openai-compatible:<baseURL>#<id>` and `local:<path.gguf>`, or the same as an object. Every spec
 * (a `--model` flag, `LAMARCK_MODEL`, an entry of lamarck.config.json, an object a library caller
 * builds) is read here and nowhere else.
 */
export type ConfiguredProvider = 'openai' | 'anthropic' | 'ollama' | 'openai-compatible' | 'local';

export const configuredProviders: readonly ConfiguredProvider[] = ['openai', 'anthropic', 'ollama', 'openai-compatible', 'local'];

export type ModelSpecInput = string | ModelSpec;

/** `field` and `source` name the place the spec came from, for the error. */
export function parseModelSpec(input: ModelSpecInput, field = 'model', source?: string): ModelSpec {
  if (typeof input === 'string') return parseModelSpecString(input, field, source);
  const fail = (at: string, message: string): never => {
    throw new ConfigError(at, message, source === undefined ? {} : { source });
  };
  if (typeof input !== 'object' || input === null) fail(field, `expected a model spec string or object, got ${JSON.stringify(input)}`);
  if (typeof input.modelId !== 'string' || input.modelId === '') fail(`${field}.modelId`, `expected a non-empty model id, got ${JSON.stringify(input.modelId)}`);
  if (input.provider === 'openai-compatible' && (input.baseURL === undefined || input.baseURL === '')) {
    fail(`${field}.baseURL`, 'expected a base URL for an openai-compatible model');
  }
  if (input.provider === 'local' && input.path === undefined) fail(`${field}.path`, 'expected the path of a .gguf file for a local model');
  if (input.weight !== undefined && !(input.weight > 0 && Number.isFinite(input.weight))) {
    fail(`${field}.weight`, `expected a positive number, got ${JSON.stringify(input.weight)}`);
  }
  return { ...input };
}

function parseModelSpecString(text: string, field: string, source: string | undefined): ModelSpec {
  const fail = (message: string): never => {
    throw new ConfigError(field, `${message}, got ${JSON.stringify(text)}`, source === undefined ? {} : { source });
  };
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  if (colon <= 0) fail(`expected a model spec like "openai:gpt-5-mini" (providers: ${configuredProviders.join(', ')})`);
  const provider = trimmed.slice(0, colon);
  const rest = trimmed.slice(colon + 1).trim();
  if (!(configuredProviders as readonly string[]).includes(provider)) {
    fail(`expected a provider of ${configuredProviders.join(', ')} before ":"`);
  }
  if (rest === '') fail(`expected a model after "${provider}:"`);
  switch (provider as ConfiguredProvider) {
    case 'openai-compatible': {
      const hash = rest.lastIndexOf('#');
      const baseURL = hash < 0 ? '' : rest.slice(0, hash);
      const modelId = hash < 0 ? '' : rest.slice(hash + 1);
      if (baseURL === '' || modelId === '') fail('expected "openai-compatible:<baseURL>#<model>"');
      if (!isHttpUrl(baseURL)) fail('expected an http(s) base URL before "#"');
      return { provider: 'openai-compatible', modelId, baseURL };
    }
    case 'local':
      if (!rest.toLowerCase().endsWith('.gguf')) fail('expected "local:<path to a .gguf file>"');
      return { provider: 'local', modelId: path.basename(rest), path: rest };
    default:
      return { provider: provider as ConfiguredProvider, modelId: rest };
  }
}

/** The canonical string of a spec (the inverse of parseModelSpec), used as the model's name in usage records and prices. */
export function formatModelSpec(spec: Pick<ModelSpec, 'provider' | 'modelId' | 'baseURL' | 'path'>): string {
  if (spec.provider === 'openai-compatible') return `openai-compatible:${spec.baseURL ?? ''}#${spec.modelId}`;
  if (spec.provider === 'local') return `local:${spec.path ?? spec.modelId}`;
  return `${spec.provider}:${spec.modelId}`;
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
