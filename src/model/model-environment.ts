import { ConfigError } from '../core/errors.ts';
import { defaultOllamaBaseURL, type ModelConfig } from './model-settings.ts';
import { isHttpUrl, parseModelSpec } from './spec.ts';

/**
 * The model variables of the environment over the model section: LAMARCK_MODEL and
 * LAMARCK_EMBEDDING_MODEL replace the file's models (so one run can switch models); credentials
 * (OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, OLLAMA_HOST) only fill gaps the file left.
 */
export function applyModelEnvironment(config: ModelConfig, env: Readonly<Record<string, string | undefined>>): void {
  const source = 'environment';
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  const models = value('LAMARCK_MODEL');
  if (models !== undefined) {
    config.models = models
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => parseModelSpec(part, 'LAMARCK_MODEL', source));
  }
  const embedding = value('LAMARCK_EMBEDDING_MODEL');
  if (embedding !== undefined) config.embeddingModel = parseModelSpec(embedding, 'LAMARCK_EMBEDDING_MODEL', source);
  const openaiKey = value('OPENAI_API_KEY');
  if (openaiKey !== undefined) config.providers.openai.apiKey ??= openaiKey;
  const openaiBase = value('OPENAI_BASE_URL');
  if (openaiBase !== undefined) {
    if (!isHttpUrl(openaiBase)) throw new ConfigError('OPENAI_BASE_URL', `expected an http(s) URL, got ${JSON.stringify(openaiBase)}`, { source });
    config.providers.openai.baseURL ??= openaiBase;
  }
  const anthropicKey = value('ANTHROPIC_API_KEY');
  if (anthropicKey !== undefined) config.providers.anthropic.apiKey ??= anthropicKey;
  const ollamaHost = value('OLLAMA_HOST');
  if (ollamaHost !== undefined && config.providers.ollama.baseURL === defaultOllamaBaseURL) {
    config.providers.ollama.baseURL = ollamaBaseURLFromHost(ollamaHost);
  }
}

/** OLLAMA_HOST is usually `host:port` or `http://host:port`; the OpenAI-compatible API lives under /v1. */
export function ollamaBaseURLFromHost(host: string): string {
  let url = /^https?:\/\//i.test(host) ? host : `http://${host}`;
  url = url.replace(/\/+$/, '');
  return url.endsWith('/v1') ? url : `${url}/v1`;
}
