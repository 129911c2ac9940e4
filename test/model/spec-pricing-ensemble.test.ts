import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { Random } from '../../src/core/random.ts';
import { APICallError } from '@ai-sdk/provider';
import { parseRetryAfter, toModelCallError } from '../../src/model/call-errors.ts';
import { createEnsemble } from '../../src/model/ensemble.ts';
import { costOf, findPricing } from '../../src/model/pricing.ts';
import { resolveModel, resolveModels } from '../../src/model/resolve-model.ts';
import { backoffDelay } from '../../src/model/retry.ts';
import { formatModelSpec, parseModelSpec } from '../../src/model/spec.ts';
import { createUsageMeter } from '../../src/model/usage-meter.ts';
import { parseConfig } from '../../src/core/config.ts';
import { createScriptedModel } from '../../src/testing/scripted-model.ts';

describe('model specs', () => {
  it('parses and formats each provider', () => {
    for (const text of [
      'openai:gpt-5-mini',
      'anthropic:claude-sonnet-4-5',
      'ollama:qwen2.5-coder:7b',
      'openai-compatible:http://127.0.0.1:8080/v1#llama-3.1-8b',
      'local:./models/tiny.gguf',
    ]) {
      expect(formatModelSpec(parseModelSpec(text))).toBe(text);
    }
    expect(parseModelSpec('openai-compatible:http://h/v1#a#b')).toMatchObject({ baseURL: 'http://h/v1#a', modelId: 'b' });
  });

  it('accepts objects and checks them', () => {
    expect(parseModelSpec({ provider: 'openai', modelId: 'gpt-5', weight: 2 })).toEqual({ provider: 'openai', modelId: 'gpt-5', weight: 2 });
    expect(() => parseModelSpec({ provider: 'openai-compatible', modelId: 'x' }, 'models.2')).toThrow(
      'models.2.baseURL: expected a base URL for an openai-compatible model',
    );
    expect(() => parseModelSpec({ provider: 'openai', modelId: 'x', weight: 0 })).toThrow(/model\.weight: expected a positive number/);
  });

  it('names the field of an invalid string', () => {
    const error = (() => {
      try {
        resolveModel('mistral:large', { field: 'agent.model' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('agent.model');
  });

  it('resolves a configuration into weighted clients without network', () => {
    const config = parseConfig({ models: [{ spec: 'openai:gpt-5-mini', weight: 3 }, 'ollama:qwen2.5-coder', 'local:./m.gguf'] });
    const members = resolveModels(config);
    expect(members.map((member) => [member.model.spec, member.weight, member.model.nativeTools])).toEqual([
      ['openai:gpt-5-mini', 3, true],
      ['ollama:qwen2.5-coder', 1, true],
      ['local:./m.gguf', 1, false],
    ]);
  });
});

describe('pricing', () => {
  it('matches dated snapshots to their family by longest prefix', () => {
    const spec = parseModelSpec('openai:gpt-5-mini-2025-08-07');
    expect(findPricing(spec, formatModelSpec(spec))).toEqual({ inputPerMillion: 0.25, outputPerMillion: 2 });
    const opus = parseModelSpec('anthropic:claude-opus-4-5-20251101');
    expect(findPricing(opus, formatModelSpec(opus))?.inputPerMillion).toBe(5);
    const opus41 = parseModelSpec('anthropic:claude-opus-4-1');
    expect(findPricing(opus41, formatModelSpec(opus41))?.inputPerMillion).toBe(15);
  });

  it('prefers the spec price, then overrides; local is free and unknown is unpriced', () => {
    const spec = parseModelSpec('openai:gpt-5');
    expect(findPricing(spec, 'openai:gpt-5', { 'gpt-5': { inputPerMillion: 9, outputPerMillion: 9 } })?.inputPerMillion).toBe(9);
    expect(findPricing({ ...spec, pricing: { inputPerMillion: 1, outputPerMillion: 1 } }, 'openai:gpt-5')?.inputPerMillion).toBe(1);
    expect(findPricing(parseModelSpec('local:a.gguf'), 'local:a.gguf')).toEqual({ inputPerMillion: 0, outputPerMillion: 0 });
    expect(findPricing(parseModelSpec('openai:unknown-model'), 'openai:unknown-model')).toBeUndefined();
    expect(costOf({ inputTokens: 500_000, outputTokens: 100_000 }, { inputPerMillion: 2, outputPerMillion: 10 })).toBeCloseTo(2);
  });
});

describe('usage meter', () => {
  it('sums per model and stops at each kind of limit', () => {
    const meter = createUsageMeter({ maxCalls: 3 });
    meter.record('a', { inputTokens: 10, outputTokens: 5, costUsd: 0.01 });
    meter.record('b', { inputTokens: 1, outputTokens: 1, costUsd: 0 }, 'judge');
    expect(meter.totals()).toMatchObject({ calls: 2, inputTokens: 11, outputTokens: 6, byModel: { a: { calls: 1 }, b: { calls: 1 } } });
    meter.beforeCall('a');
    meter.record('a', { inputTokens: 0, outputTokens: 0, costUsd: 0 });
    expect(() => meter.beforeCall('a')).toThrow('budget reached: calls used 3 of 3');
    const usd = createUsageMeter({ maxUsd: 0.01 });
    usd.record('a', { inputTokens: 1, outputTokens: 1, costUsd: 0.02 });
    expect(() => usd.beforeCall('a')).toThrow(/usd used \$0\.0200 of \$0\.0100/);
  });
});

describe('usage meter under concurrent calls', () => {
  it('lets no more calls start than maxCalls allows, even when they all start at once', async () => {
    const meter = createUsageMeter({ maxCalls: 2 });
    const model = createScriptedModel({ replies: ['one', 'two'], meter });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map(() => model.generateText({ prompt: 'go' })));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(2);
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(rejected).toHaveLength(3);
    for (const outcome of rejected) expect(String(outcome.reason)).toMatch(/budget reached: calls used 2 of 2/);
    expect(meter.totals().calls).toBe(2);
    model.verify();
  });

  it('frees the reservation of a call that failed, so the budget is not lost', async () => {
    const meter = createUsageMeter({ maxCalls: 1 });
    const model = createScriptedModel({ replies: [{ error: { statusCode: 400 } }, 'ok'], meter });
    await expect(model.generateText({ prompt: 'go' })).rejects.toThrow(/HTTP 400/);
    await expect(model.generateText({ prompt: 'go' })).resolves.toMatchObject({ text: 'ok' });
    await expect(model.generateText({ prompt: 'go' })).rejects.toThrow(/budget reached/);
    model.verify();
  });
});

describe('retry timing', () => {
  it('grows exponentially with jitter inside [half, full] and a cap', () => {
    const policy = { maxAttempts: 10, initialDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, () => 0.999999))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('classifies statuses: 408, 409, 429 and 5xx retry; other client errors do not', () => {
    const retryable = (statusCode: number) =>
      toModelCallError(new APICallError({ message: 'x', url: 'u', requestBodyValues: {}, statusCode }), 'm').isRetryable;
    expect([408, 409, 429, 500, 502, 503, 529].map(retryable)).toEqual([true, true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 422].map(retryable)).toEqual([false, false, false, false, false]);
    const reset = toModelCallError(new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }), 'm');
    expect(reset.isRetryable).toBe(true);
    expect(toModelCallError(new Error('something odd'), 'm').isRetryable).toBe(false);
  });

  it('reads Retry-After in seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'Retry-After': '2' }, now)).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
    expect(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('ensembles', () => {
  it('picks members in proportion to their weights', () => {
    const strong = createScriptedModel({ replies: [], spec: 'scripted:strong' });
    const fast = createScriptedModel({ replies: [], spec: 'scripted:fast' });
    const ensemble = createEnsemble([
      { model: strong, weight: 1 },
      { model: fast, weight: 3 },
    ]);
    const random = new Random(7);
    const counts = { strong: 0, fast: 0 };
    for (let index = 0; index < 4000; index += 1) {
      if (ensemble.pick(() => random.next()) === strong) counts.strong += 1;
      else counts.fast += 1;
    }
    expect(counts.fast / 4000).toBeGreaterThan(0.7);
    expect(counts.fast / 4000).toBeLessThan(0.8);
    expect(ensemble.primary()).toBe(fast);
    expect(ensemble.pick(() => 0)).toBe(strong);
    expect(ensemble.pick(() => 0.99)).toBe(fast);
  });

  it('rejects empty ensembles and bad weights', () => {
    expect(() => createEnsemble([])).toThrow(ConfigError);
    const model = createScriptedModel({ replies: [] });
    expect(() => createEnsemble([{ model, weight: -1 }])).toThrow('models.0.weight: expected a positive number, got -1');
  });
});

describe('configuration helpers', () => {
  it('builds an ensemble from config, or none for model-free runs', async () => {
    const { resolveEnsemble } = await import('../../src/model/resolve-model.ts');
    expect(resolveEnsemble(parseConfig({}))).toBeUndefined();
    const ensemble = resolveEnsemble(parseConfig({ models: [{ spec: 'openai:gpt-5', weight: 1 }, { spec: 'openai:gpt-5-mini', weight: 4 }] }));
    expect(ensemble?.primary().spec).toBe('openai:gpt-5-mini');
  });

  it('masks API keys for display', async () => {
    const { modelConfig, redactModelConfig } = await import('../../src/model/model-config.ts');
    const config = modelConfig(parseConfig({ models: [{ spec: 'openai:gpt-5', apiKey: 'sk-secret' }] }, { env: { ANTHROPIC_API_KEY: 'ant-secret' } }));
    expect(JSON.stringify(redactModelConfig(config))).not.toMatch(/secret/);
    expect(config.providers.anthropic.apiKey).toBe('ant-secret');
    expect(config.models[0]?.apiKey).toBe('sk-secret');
  });
});
