import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, type LamarckConfig } from '../../src/core/config.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { modelConfig } from '../../src/model/model-config.ts';
import { ollamaBaseURLFromHost } from '../../src/model/model-environment.ts';

/** The configuration with its model section parsed, as every reader of models sees it. */
async function loadWithModels(options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<LamarckConfig & ReturnType<typeof modelConfig>> {
  const config = await loadConfig(options);
  return { ...config, ...modelConfig(config) };
}

function parseWithModels(raw: unknown, options: { source?: string } = {}): LamarckConfig & ReturnType<typeof modelConfig> {
  const config = parseConfig(raw, options);
  return { ...config, ...modelConfig(config) };
}

function directoryWith(files: Record<string, string>): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'lamarck-config-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(directory, name), content);
  return directory;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('gives defaults when there is no file', async () => {
    const config = await loadWithModels({ cwd: directoryWith({}), env: {} });
    expect(config.models).toEqual([]);
    expect(config.store).toEqual({});
    expect(config.retries.maxAttempts).toBe(4);
    expect(config.providers.ollama.baseURL).toBe('http://127.0.0.1:11434/v1');
    expect(config.source).toBeUndefined();
  });

  it('reads lamarck.config.json with models as strings and objects', async () => {
    const cwd = directoryWith({
      'lamarck.config.json': JSON.stringify({
        models: ['openai:gpt-5-mini', { spec: 'anthropic:claude-sonnet-4-5', weight: 3 }, { provider: 'ollama', model: 'qwen2.5-coder', weight: 0.5 }],
        embeddingModel: 'openai:text-embedding-3-small',
        store: { path: 'data/lamarck.db' },
        budget: { maxUsd: 2.5, maxCalls: 100 },
        prices: { 'openai:gpt-5-mini': { inputPerMillion: 1, outputPerMillion: 2 } },
        evolve: { islands: 4 },
        mcpServers: { files: { command: 'mcp-files' } },
      }),
    });
    const config = await loadWithModels({ cwd, env: {} });
    expect(config.models).toEqual([
      { provider: 'openai', modelId: 'gpt-5-mini' },
      { provider: 'anthropic', modelId: 'claude-sonnet-4-5', weight: 3 },
      { provider: 'ollama', modelId: 'qwen2.5-coder', weight: 0.5 },
    ]);
    expect(config.embeddingModel).toEqual({ provider: 'openai', modelId: 'text-embedding-3-small' });
    expect(config.store.path).toBe(path.join(cwd, 'data/lamarck.db'));
    expect(config.budget).toEqual({ maxUsd: 2.5, maxCalls: 100 });
    expect(config.evolve).toEqual({ islands: 4 });
    expect(config.mcpServers).toEqual({ files: { command: 'mcp-files' } });
    expect(config.source).toBe(path.join(cwd, 'lamarck.config.json'));
  });

  it('reads lamarck.config.ts through a dynamic import', async () => {
    const cwd = directoryWith({
      'lamarck.config.ts': `const budget: { maxUsd: number } = { maxUsd: 1 };\nexport default { models: 'local:./models/tiny.gguf', budget };\n`,
    });
    const config = await loadWithModels({ cwd, env: {} });
    expect(config.models).toEqual([{ provider: 'local', modelId: 'tiny.gguf', path: './models/tiny.gguf' }]);
    expect(config.budget.maxUsd).toBe(1);
  });

  it('names the file, the field and what was expected', async () => {
    const cwd = directoryWith({ 'lamarck.config.json': JSON.stringify({ budget: { maxUsd: 'ten' } }) });
    const error = await configError(loadWithModels({ cwd, env: {} }));
    expect(error.message).toBe('lamarck.config.json: budget.maxUsd: expected a positive number, got "ten"');
    expect(error.field).toBe('budget.maxUsd');
  });

  it('names the entry of an invalid model spec', async () => {
    const cwd = directoryWith({ 'lamarck.config.json': JSON.stringify({ models: ['openai:gpt-5-mini', 'gemini:pro'] }) });
    const error = await configError(loadWithModels({ cwd, env: {} }));
    expect(error.field).toBe('models.1');
    expect(error.message).toMatch(/lamarck\.config\.json: models\.1: expected a provider of openai, anthropic, ollama, openai-compatible, local before ":", got "gemini:pro"$/);
  });

  it('reads the strong model of a cascade from escalate, and names it when it is invalid', async () => {
    const loaded = await loadWithModels({ cwd: directoryWith({ 'lamarck.config.json': JSON.stringify({ model: 'openai:gpt-5-mini', escalate: 'anthropic:claude-opus-4' }) }), env: {} });
    expect(loaded.models).toMatchObject([{ provider: 'openai', modelId: 'gpt-5-mini' }]);
    expect(loaded.escalate).toMatchObject({ provider: 'anthropic', modelId: 'claude-opus-4' });
    const error = await configError(loadWithModels({ cwd: directoryWith({ 'lamarck.config.json': JSON.stringify({ escalate: 'gemini:pro' }) }), env: {} }));
    expect(error.field).toBe('escalate');
  });

  it('names nested fields inside model objects and unknown keys', async () => {
    const weight = await configError(loadWithModels({ cwd: directoryWith({ 'lamarck.config.json': '{"models":[{"spec":"openai:gpt-5","weight":-1}]}' }), env: {} }));
    expect(weight.message).toMatch(/lamarck\.config\.json: models\.0\.weight: expected a positive number, got -1$/);
    const unknown = await configError(loadWithModels({ cwd: directoryWith({ 'lamarck.config.json': '{"budget":{"maxDollars":3}}' }), env: {} }));
    expect(unknown.message).toBe('lamarck.config.json: budget.maxDollars: unknown key (allowed: maxUsd, maxTokens, maxCalls)');
    const retries = await configError(loadWithModels({ cwd: directoryWith({ 'lamarck.config.json': '{"retries":{"maxAttempts":1.5}}' }), env: {} }));
    expect(retries.message).toMatch(/lamarck\.config\.json: retries\.maxAttempts: expected a positive integer, got 1\.5$/);
  });

  it('reports a file that is not JSON', async () => {
    const error = await configError(loadWithModels({ cwd: directoryWith({ 'lamarck.config.json': '{ models: ' }), env: {} }));
    expect(error.message).toMatch(/^lamarck\.config\.json: \(file\): expected valid JSON/);
  });

  it('applies environment variables over the file', async () => {
    const cwd = directoryWith({ 'lamarck.config.json': JSON.stringify({ models: ['openai:gpt-5'], store: { path: 'a.db' } }) });
    const config = await loadWithModels({
      cwd,
      env: {
        LAMARCK_MODEL: 'anthropic:claude-haiku-4-5, ollama:llama3.2',
        LAMARCK_EMBEDDING_MODEL: 'ollama:nomic-embed-text',
        LAMARCK_STORE: 'postgres://user@db/lamarck',
        LAMARCK_BUDGET_USD: '0.75',
        OPENAI_API_KEY: 'sk-test',
        ANTHROPIC_API_KEY: 'ant-test',
        OPENAI_BASE_URL: 'http://proxy.local/v1',
        OLLAMA_HOST: '10.0.0.5:11434',
      },
    });
    expect(config.models.map((model) => `${model.provider}:${model.modelId}`)).toEqual(['anthropic:claude-haiku-4-5', 'ollama:llama3.2']);
    expect(config.embeddingModel).toEqual({ provider: 'ollama', modelId: 'nomic-embed-text' });
    expect(config.store).toEqual({ url: 'postgres://user@db/lamarck' });
    expect(config.budget.maxUsd).toBe(0.75);
    expect(config.providers.openai).toEqual({ apiKey: 'sk-test', baseURL: 'http://proxy.local/v1' });
    expect(config.providers.anthropic).toEqual({ apiKey: 'ant-test' });
    expect(config.providers.ollama.baseURL).toBe('http://10.0.0.5:11434/v1');
  });

  it('names the environment variable when its value is invalid', async () => {
    const budget = await configError(loadWithModels({ cwd: directoryWith({}), env: { LAMARCK_BUDGET_USD: 'ten' } }));
    expect(budget.message).toBe('environment: LAMARCK_BUDGET_USD: expected a positive number, got "ten"');
    const model = await configError(loadWithModels({ cwd: directoryWith({}), env: { LAMARCK_MODEL: 'openai-compatible:localhost#x' } }));
    expect(model.message).toMatch(/^environment: LAMARCK_MODEL: expected an http\(s\) base URL before "#"/);
  });
});

describe('parseConfig and helpers', () => {
  it('parses every spec form', () => {
    const config = parseWithModels({
      models: ['openai-compatible:http://localhost:8000/v1#Qwen/Qwen2.5-7B', 'local:/models/a.gguf', 'ollama:qwen2.5-coder:7b'],
    });
    expect(config.models).toEqual([
      { provider: 'openai-compatible', modelId: 'Qwen/Qwen2.5-7B', baseURL: 'http://localhost:8000/v1' },
      { provider: 'local', modelId: 'a.gguf', path: '/models/a.gguf' },
      { provider: 'ollama', modelId: 'qwen2.5-coder:7b' },
    ]);
  });

  it('rejects local specs that are not GGUF files and empty models', () => {
    expect(() => parseWithModels({ models: ['local:model.bin'] })).toThrow(/models\.0: expected "local:<path to a \.gguf file>"/);
    expect(() => parseWithModels({ models: ['openai:'] })).toThrow(/models\.0: expected a model after "openai:"/);
    expect(() => parseWithModels({ model: 'gpt-5' })).toThrow(/model: expected a model spec like "openai:gpt-5-mini"/);
  });

  it('says what was expected when a whole section has the wrong type', () => {
    expect(() => parseWithModels({ models: 5 })).toThrow(/models: expected a model spec string like "openai:gpt-5-mini", an object \{ spec, weight \}, or a list of them, got 5/);
    expect(() => parseWithModels({ retries: 5 })).toThrow(/retries: expected object, got 5/);
    expect(() => parseWithModels({ budget: 'lots' })).toThrow(/budget: expected object, got "lots"/);
    expect(() => parseWithModels({ providers: { openai: 3 } })).toThrow(/providers\.openai: expected object, got 3/);
  });

  it('names the provider of a model object when the provider is unknown', () => {
    expect(() => parseWithModels({ models: [{ provider: 'foo', model: 'x' }] })).toThrow(
      /models\.0\.provider: expected one of openai, anthropic, ollama, openai-compatible, local, got "foo"/,
    );
  });

  it('normalises OLLAMA_HOST forms', () => {
    expect(ollamaBaseURLFromHost('localhost:11434')).toBe('http://localhost:11434/v1');
    expect(ollamaBaseURLFromHost('https://ollama.example.com/')).toBe('https://ollama.example.com/v1');
    expect(ollamaBaseURLFromHost('http://h:1/v1')).toBe('http://h:1/v1');
  });
});
