import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/run-agent.ts';
import { parseConfig } from '../../src/core/config.ts';
import { modelConfig } from '../../src/model/model-config.ts';
import { ConfigError, ModelCallError, ModelOutputError } from '../../src/core/errors.ts';
import { resolveModel, type ResolveModelOptions } from '../../src/model/resolve-model.ts';
import { createUsageMeter } from '../../src/model/usage-meter.ts';
import { createFakeClock } from '../../src/testing/fake-clock.ts';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.ts';

/**
 * Bounded, complete replies over real HTTP: size caps on replies and prompts, a cut-off reply
 * reported as cut off (OpenAI `finish_reason: length`, Anthropic `stop_reason: max_tokens`), tool
 * arguments that are not JSON flagged instead of used, and a 200 whose body is `{"error": ...}`
 * reported with what the error says.
 */
let server: ProtocolServer;
beforeAll(async () => {
  server = await startProtocolServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  expect(server.pending).toBe(0);
  server.requests.length = 0;
});

function options(extra: Partial<ResolveModelOptions> = {}): ResolveModelOptions {
  return {
    providers: { openai: { apiKey: 'test-key', baseURL: server.baseURL }, anthropic: { apiKey: 'test-key', baseURL: server.baseURL } },
    clock: createFakeClock({ autoAdvance: true }),
    retries: { maxAttempts: 1 },
    ...extra,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('size caps', () => {
  it('refuses a reply over limits.maxReplyChars, after metering what it cost', async () => {
    server.enqueue({ text: 'x'.repeat(5000), usage: { inputTokens: 10, outputTokens: 1250 } });
    const meter = createUsageMeter();
    const model = resolveModel('openai:gpt-5-mini', options({ limits: { maxReplyChars: 4000 }, meter }));
    const error = await failureOf(model.generateText({ prompt: 'write a lot' }));
    expect(error).toBeInstanceOf(ModelOutputError);
    expect((error as ModelOutputError).code).toBe('reply-too-large');
    expect((error as Error).message).toContain('5000 characters, over the cap of 4000 (limits.maxReplyChars)');
    expect(meter.totals()).toMatchObject({ calls: 1, outputTokens: 1250 });
  });

  it('stops reading a streamed reply at the cap', async () => {
    server.enqueue({ text: 'y'.repeat(9000) });
    const model = resolveModel('openai:gpt-5-mini', options({ limits: { maxReplyChars: 1000 } }));
    const stream = model.streamText({ prompt: 'stream a lot' });
    const error = await failureOf(stream.result);
    expect((error as ModelOutputError).code).toBe('reply-too-large');
  });

  it('does not send a prompt over limits.maxPromptChars', async () => {
    const model = resolveModel('openai:gpt-5-mini', options({ limits: { maxPromptChars: 2000 } }));
    const error = await failureOf(model.generateText({ prompt: 'p'.repeat(2500) }));
    expect((error as ModelOutputError).code).toBe('prompt-too-large');
    expect((error as Error).message).toContain('over the cap of 2000 (limits.maxPromptChars)');
    expect(server.requests).toHaveLength(0);
  });

  it('reads the caps from lamarck.config.json, with defaults, and names a bad field', () => {
    expect(modelConfig(parseConfig({})).limits).toEqual({ maxReplyChars: 200_000, maxPromptChars: 600_000 });
    expect(modelConfig(parseConfig({ limits: { maxReplyChars: 10 } })).limits).toEqual({ maxReplyChars: 10, maxPromptChars: 600_000 });
    const bad = (() => {
      try {
        modelConfig(parseConfig({ limits: { maxReplyChars: -1 } }, { source: 'lamarck.config.json' }));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as ConfigError).field).toBe('limits.maxReplyChars');
  });
});

describe('cut-off replies', () => {
  it('reports finish_reason "length" (OpenAI) and stop_reason "max_tokens" (Anthropic) as length', async () => {
    server.enqueue({ text: '<<<<<<< SEARCH\nx = 1\n=====', finishReason: 'length' }, { text: 'half an ans', finishReason: 'length' });
    const openai = await resolveModel('openai:gpt-5-mini', options()).generateText({ prompt: 'edit' });
    const anthropic = await resolveModel('anthropic:claude-sonnet-4-5', options()).generateText({ prompt: 'edit' });
    expect([openai.finishReason, anthropic.finishReason]).toEqual(['length', 'length']);
  });
});

describe('tool arguments that are not JSON', () => {
  it('are flagged on the call, keeping the raw text', async () => {
    server.enqueue({ toolCalls: [{ name: 'final_answer', input: null, rawArguments: '{"answer": "42"' }] });
    const result = await resolveModel('openai:gpt-5-mini', options()).generateText({
      prompt: 'answer',
      tools: [{ name: 'final_answer', description: 'the answer', inputSchema: { type: 'object', properties: { answer: { type: 'string' } } } }],
    });
    expect(result.toolCalls[0]).toMatchObject({ name: 'final_answer', input: '{"answer": "42"' });
    expect(result.toolCalls[0]!.inputError).toContain('not valid JSON');
  });

  it('are an error returned to the model, not a final answer', async () => {
    server.enqueue(
      { toolCalls: [{ name: 'final_answer', input: null, rawArguments: '{"answer": "the broken one' }] },
      { toolCalls: [{ name: 'final_answer', input: { answer: 'the real one' } }] },
    );
    const model = resolveModel('openai:gpt-5-mini', options());
    const result = await runAgent({ task: 'answer the question', model, builtinTools: false }).result;
    expect(result.answer).toBe('the real one');
    // The second request carries the error the model was shown for its first call.
    const second = JSON.stringify(server.requests[1]!.body['messages']);
    expect(second).toContain('not valid JSON');
  });
});

describe('a 200 whose body is an error', () => {
  it('is reported with what the error says, not as invalid JSON', async () => {
    server.enqueue({ body: { error: { message: 'Upstream provider is overloaded', code: 502 } } }, { body: { error: 'Key limit exceeded' } });
    const model = resolveModel('openai:gpt-5-mini', options());
    const first = await failureOf(model.generateText({ prompt: 'hi' }));
    const second = await failureOf(model.generateText({ prompt: 'hi' }));
    expect(first).toBeInstanceOf(ModelCallError);
    expect((first as Error).message).toContain('the provider answered with an error: Upstream provider is overloaded');
    expect((first as Error).message).not.toContain('not valid JSON');
    expect((first as ModelCallError).statusCode).toBe(502);
    expect((first as ModelCallError).isRetryable).toBe(true);
    expect((second as Error).message).toContain('the provider answered with an error: Key limit exceeded');
  });
});
