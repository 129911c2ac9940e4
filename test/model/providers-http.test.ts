import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BudgetExceededError, ModelCallError, ModelOutputError, TimeoutError } from '../../src/core/errors.ts';
import { createUsageMeter } from '../../src/model/usage-meter.ts';
import { resolveEmbeddingModel, resolveModel, type ResolveModelOptions } from '../../src/model/resolve-model.ts';
import { createFakeClock } from '../../src/testing/fake-clock.ts';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.ts';

// Every test here goes over real HTTP to a local server speaking the providers' wire formats.
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
    providers: {
      openai: { apiKey: 'test-openai-key', baseURL: server.baseURL },
      anthropic: { apiKey: 'test-anthropic-key', baseURL: server.baseURL },
    },
    clock: createFakeClock({ autoAdvance: true }),
    ...extra,
  };
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};

describe('OpenAI chat completions over HTTP', () => {
  it('generates text and accounts tokens and cost', async () => {
    server.enqueue({ text: 'Hello there.', usage: { inputTokens: 1000, outputTokens: 500 } });
    const meter = createUsageMeter();
    const model = resolveModel('openai:gpt-5-mini', options({ meter }));
    const result = await model.generateText({ system: 'be kind', prompt: 'Say hello', purpose: 'greet' });
    expect(result).toMatchObject({ text: 'Hello there.', finishReason: 'stop', model: 'openai:gpt-5-mini', attempts: 1 });
    expect(result.usage.inputTokens).toBe(1000);
    expect(result.usage.outputTokens).toBe(500);
    // gpt-5-mini: $0.25 in, $2 out per million tokens.
    expect(result.usage.costUsd).toBeCloseTo((1000 * 0.25 + 500 * 2) / 1e6, 12);
    expect(meter.totals()).toMatchObject({ calls: 1, inputTokens: 1000, outputTokens: 500 });
    expect(meter.byPurpose['greet']?.calls).toBe(1);
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers['authorization']).toBe('Bearer test-openai-key');
    // OpenAI's reasoning models take the system prompt as a developer message.
    expect(request.body['messages']).toEqual([
      { role: 'developer', content: 'be kind' },
      { role: 'user', content: 'Say hello' },
    ]);
  });

  it('uses price overrides from configuration', async () => {
    server.enqueue({ text: 'x', usage: { inputTokens: 2_000_000, outputTokens: 0 } });
    const model = resolveModel('openai:my-finetune', options({ prices: { 'openai:my-finetune': { inputPerMillion: 3, outputPerMillion: 4 } } }));
    expect((await model.generateText({ prompt: 'x' })).usage.costUsd).toBeCloseTo(6, 10);
  });

  it('retries a 429, honouring Retry-After in seconds', async () => {
    server.enqueue({ status: 429, message: 'slow down', headers: { 'retry-after': '7' } }, { text: 'ok' });
    const clock = createFakeClock({ autoAdvance: true });
    const model = resolveModel('openai:gpt-5-mini', options({ clock }));
    const result = await model.generateText({ prompt: 'x' });
    expect(result).toMatchObject({ text: 'ok', attempts: 2 });
    expect(clock.sleeps).toEqual([7000]);
    expect(server.requests).toHaveLength(2);
  });

  it('honours retry-after-ms and an HTTP-date Retry-After, waiting for real', async () => {
    // The date is read against the model's clock, so the wait it asks for is exact however slow the
    // machine (against the wall clock, a second's headroom ran out under load and the wait was 0).
    server.enqueue({ status: 429, headers: { 'retry-after-ms': '30' } }, { status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' } }, { text: 'ok' });
    const clock = createFakeClock({ start: Date.parse('2026-01-01T00:00:00Z'), autoAdvance: true });
    const model = resolveModel('openai:gpt-5-mini', options({ clock }));
    expect((await model.generateText({ prompt: 'x' })).attempts).toBe(3);
    // The second wait is measured from the clock after the first (30 ms later).
    expect(clock.sleeps).toEqual([30, 4970]);
    // And once with the real clock, so a real wait happens between real requests.
    server.enqueue({ status: 429, headers: { 'retry-after-ms': '20' } }, { text: 'real' });
    const real = resolveModel('openai:gpt-5-mini', { ...options(), clock: undefined as never });
    expect(await real.generateText({ prompt: 'x' })).toMatchObject({ text: 'real', attempts: 2 });
  });

  it('retries a 500 with exponential backoff', async () => {
    server.enqueue({ status: 500 }, { status: 502 }, { text: 'recovered' });
    const clock = createFakeClock({ autoAdvance: true });
    const model = resolveModel('openai:gpt-5-mini', options({ clock, random: () => 0.5, retries: { initialDelayMs: 100 } }));
    expect(await model.generateText({ prompt: 'x' })).toMatchObject({ text: 'recovered', attempts: 3 });
    // Base 100 then 200, jittered into [half, full]; random 0.5 gives three quarters.
    expect(clock.sleeps).toEqual([75, 150]);
  });

  it('retries a dropped connection', async () => {
    server.enqueue({ dropConnection: true }, { text: 'after the drop' });
    const model = resolveModel('openai:gpt-5-mini', options());
    expect(await model.generateText({ prompt: 'x' })).toMatchObject({ text: 'after the drop', attempts: 2 });
  });

  it('retries a truncated JSON body', async () => {
    server.enqueue({ truncate: true, reply: { text: 'cut' } }, { text: 'whole' });
    const model = resolveModel('openai:gpt-5-mini', options());
    expect(await model.generateText({ prompt: 'x' })).toMatchObject({ text: 'whole', attempts: 2 });
  });

  it('gives up after the last attempt with the status in the error', async () => {
    server.enqueue({ status: 500 }, { status: 500 });
    const model = resolveModel('openai:gpt-5-mini', options({ retries: { maxAttempts: 2 } }));
    const error = await model.generateText({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).statusCode).toBe(500);
    expect((error as ModelCallError).details['attempts']).toBe(2);
  });

  it('does not retry 400 or 401', async () => {
    for (const status of [400, 401]) {
      server.enqueue({ status, message: `refused ${status}` });
      const model = resolveModel('openai:gpt-5-mini', options());
      const error = await model.generateText({ prompt: 'x' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ModelCallError);
      expect((error as ModelCallError).statusCode).toBe(status);
      expect((error as ModelCallError).isRetryable).toBe(false);
      expect((error as Error).message).toContain(`refused ${status}`);
      expect(server.requests).toHaveLength(1);
      server.requests.length = 0;
    }
  });

  it('times out a slow response, and retries it when attempts remain', async () => {
    server.enqueue({ delayMs: 5000, then: { text: 'too late' } });
    const single = resolveModel('openai:gpt-5-mini', options({ timeoutMs: 150, retries: { maxAttempts: 1 } }));
    const error = await single.generateText({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/openai:gpt-5-mini call timed out after 150 ms/);

    server.enqueue({ delayMs: 5000, then: { text: 'too late' } }, { text: 'in time' });
    const retrying = resolveModel('openai:gpt-5-mini', options({ timeoutMs: 150 }));
    expect(await retrying.generateText({ prompt: 'x' })).toMatchObject({ text: 'in time', attempts: 2 });
  });

  it('stops at the budget before calling the provider', async () => {
    server.enqueue({ text: 'a', usage: { inputTokens: 600, outputTokens: 500 } });
    const meter = createUsageMeter({ maxTokens: 1000 });
    const model = resolveModel('openai:gpt-5-mini', options({ meter }));
    await model.generateText({ prompt: 'x' });
    const error = await model.generateText({ prompt: 'y' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as Error).message).toBe('budget reached: tokens used 1100 of 1000');
    expect(server.requests).toHaveLength(1);
  });

  it('stops at a USD budget', async () => {
    server.enqueue({ text: 'a', usage: { inputTokens: 1_000_000, outputTokens: 0 } });
    const meter = createUsageMeter({ maxUsd: 0.2 });
    const model = resolveModel('openai:gpt-5-mini', options({ meter }));
    await model.generateText({ prompt: 'x' });
    await expect(model.generateText({ prompt: 'y' })).rejects.toThrow(/budget reached: usd used \$0\.2500 of \$0\.2000/);
  });

  it('repairs invalid structured output once', async () => {
    server.enqueue({ text: '{"name": "Ada", "age": ' }, { text: '{"name": "Ada", "age": 36}' });
    const model = resolveModel('openai:gpt-5-mini', options());
    const schema = z.object({ name: z.string(), age: z.number() });
    const result = await model.generateObject({ prompt: 'Who?', schema, schemaName: 'person' });
    expect(result).toMatchObject({ object: { name: 'Ada', age: 36 }, repaired: true });
    expect(result.usage.inputTokens).toBe(24);
    const first = server.requests[0]!.body;
    expect(first['response_format']).toMatchObject({ type: 'json_schema', json_schema: { name: 'person', strict: true } });
    const repair = server.requests[1]!.body['messages'] as Array<{ role: string; content: string }>;
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: '{"name": "Ada", "age": ' });
    expect(repair.at(-1)?.content).toMatch(/not valid JSON/);
  });

  it('sends schemas with optional fields as non-strict', async () => {
    server.enqueue({ text: '{"name": "Ada"}' });
    const model = resolveModel('openai:gpt-5-mini', options());
    const schema = z.object({ name: z.string(), nickname: z.string().optional() });
    expect((await model.generateObject({ prompt: 'Who?', schema })).object).toEqual({ name: 'Ada' });
    expect(server.requests[0]!.body['response_format']).toMatchObject({ type: 'json_schema', json_schema: { strict: false } });
  });

  it('throws a typed error when the repair fails too', async () => {
    server.enqueue({ text: 'no json here' }, { text: '{"name": 3}' });
    const model = resolveModel('openai:gpt-5-mini', options());
    const error = await model.generateObject({ prompt: 'Who?', schema: z.object({ name: z.string() }) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelOutputError);
    expect((error as ModelOutputError).fault).toBe('model');
    expect((error as Error).message).toMatch(/invalid structured output twice/);
    expect((error as ModelOutputError).details['text']).toBe('{"name": 3}');
  });

  it('round-trips a tool call', async () => {
    server.enqueue({ toolCalls: [{ id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] }, { text: 'It is sunny in Paris.' });
    const model = resolveModel('openai:gpt-5-mini', options());
    const first = await model.generateText({ prompt: 'Weather in Paris?', tools: [weatherTool] });
    expect(first.finishReason).toBe('tool-calls');
    expect(first.toolCalls).toEqual([{ id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }]);
    const sentTools = server.requests[0]!.body['tools'] as Array<{ function: { name: string } }>;
    expect(sentTools[0]?.function.name).toBe('get_weather');
    const second = await model.generateText({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'call_1', toolName: 'get_weather', content: '{"sky":"sunny"}' },
      ],
    });
    expect(second.text).toBe('It is sunny in Paris.');
    const messages = server.requests[1]!.body['messages'] as Array<Record<string, unknown>>;
    expect(messages[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_1', function: { name: 'get_weather' } }] });
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"sky":"sunny"}' });
  });

  it('streams text and reports usage from the final chunk', async () => {
    server.enqueue({ text: 'one two three four', usage: { inputTokens: 9, outputTokens: 4 } });
    const model = resolveModel('openai:gpt-5-mini', options());
    const stream = model.streamText({ prompt: 'count' });
    const deltas: string[] = [];
    for await (const delta of stream.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('one two three four');
    const result = await stream.result;
    expect(result).toMatchObject({ text: 'one two three four', finishReason: 'stop', usage: { inputTokens: 9, outputTokens: 4 } });
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('streams tool calls', async () => {
    server.enqueue({ toolCalls: [{ id: 'call_9', name: 'get_weather', input: { city: 'Oslo' } }] });
    const model = resolveModel('openai:gpt-5-mini', options());
    const result = await model.streamText({ prompt: 'Weather?', tools: [weatherTool] }).result;
    expect(result.toolCalls).toEqual([{ id: 'call_9', name: 'get_weather', input: { city: 'Oslo' } }]);
    expect(result.finishReason).toBe('tool-calls');
  });

  it('retries a stream that fails before any text arrived', async () => {
    server.enqueue({ status: 429, headers: { 'retry-after': '1' } }, { text: 'streamed' });
    const model = resolveModel('openai:gpt-5-mini', options());
    const stream = model.streamText({ prompt: 'x' });
    let text = '';
    for await (const delta of stream.textStream) text += delta;
    expect(text).toBe('streamed');
    expect((await stream.result).attempts).toBe(2);
  });

  it('fails a stream cut off mid-reply without repeating text', async () => {
    server.enqueue({ truncate: true, reply: { text: 'a b c d e f g h i j k l m n o p' } });
    const model = resolveModel('openai:gpt-5-mini', options());
    const stream = model.streamText({ prompt: 'x' });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const delta of stream.textStream) seen.push(delta);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(seen.length).toBeGreaterThan(0);
    await expect(stream.result).rejects.toThrow();
    expect(server.requests).toHaveLength(1);
  });
});

describe('OpenAI-compatible servers and Ollama', () => {
  it('talks to an openai-compatible base URL', async () => {
    server.enqueue({ text: 'compatible' });
    const model = resolveModel(`openai-compatible:${server.baseURL}#qwen2.5-coder`, options());
    expect(model.spec).toBe(`openai-compatible:${server.baseURL}#qwen2.5-coder`);
    expect((await model.generateText({ prompt: 'x' })).text).toBe('compatible');
    expect(server.requests[0]!.body['model']).toBe('qwen2.5-coder');
  });

  it('falls back to JSON-in-text tool calls when native tools are off', async () => {
    server.enqueue({ text: '```json\n{"tool": "get_weather", "input": {"city": "Oslo"}}\n```' });
    const model = resolveModel({ provider: 'openai-compatible', modelId: 'tiny', baseURL: server.baseURL, nativeTools: false }, options());
    const result = await model.generateText({ prompt: 'Weather in Oslo?', tools: [weatherTool] });
    expect(result.toolCalls).toMatchObject([{ name: 'get_weather', input: { city: 'Oslo' } }]);
    expect(result.finishReason).toBe('tool-calls');
    const body = server.requests[0]!.body;
    expect(body['tools']).toBeUndefined();
    const system = (body['messages'] as Array<{ role: string; content: string }>)[0]!;
    expect(system.role).toBe('system');
    expect(system.content).toContain('- get_weather: Current weather for a city');
  });

  it('uses the configured Ollama base URL', async () => {
    server.enqueue({ text: 'llama says hi' });
    const model = resolveModel('ollama:llama3.2', { ...options(), providers: { ollama: { baseURL: server.baseURL } } });
    expect((await model.generateText({ prompt: 'x' })).text).toBe('llama says hi');
    expect(server.requests[0]!.body['model']).toBe('llama3.2');
  });
});

describe('Anthropic messages over HTTP', () => {
  it('generates text with the Anthropic headers and usage', async () => {
    server.enqueue({ text: 'Bonjour.', usage: { inputTokens: 2000, outputTokens: 100 } });
    const model = resolveModel('anthropic:claude-sonnet-4-5', options());
    const result = await model.generateText({ system: 'be French', prompt: 'Hello' });
    expect(result).toMatchObject({ text: 'Bonjour.', finishReason: 'stop', usage: { inputTokens: 2000, outputTokens: 100 } });
    expect(result.usage.costUsd).toBeCloseTo((2000 * 3 + 100 * 15) / 1e6, 12);
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1/messages');
    expect(request.headers['x-api-key']).toBe('test-anthropic-key');
    expect(request.body['system']).toEqual([{ type: 'text', text: 'be French' }]);
  });

  it('round-trips a tool call', async () => {
    server.enqueue({ toolCalls: [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } }] }, { text: 'Warm in Rome.' });
    const model = resolveModel('anthropic:claude-sonnet-4-5', options());
    const first = await model.generateText({ prompt: 'Weather in Rome?', tools: [weatherTool] });
    expect(first.toolCalls).toEqual([{ id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } }]);
    expect(first.finishReason).toBe('tool-calls');
    const second = await model.generateText({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Rome?' },
        { role: 'assistant', content: '', toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'toolu_1', toolName: 'get_weather', content: 'warm' },
      ],
    });
    expect(second.text).toBe('Warm in Rome.');
    const messages = server.requests[1]!.body['messages'] as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    expect(messages[1]?.content[0]).toMatchObject({ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } });
    expect(messages[2]).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] });
  });

  it('streams text through the SSE event sequence', async () => {
    server.enqueue({ text: 'ciao a tutti voi', usage: { inputTokens: 5, outputTokens: 4 } });
    const model = resolveModel('anthropic:claude-sonnet-4-5', options());
    const stream = model.streamText({ prompt: 'x' });
    const deltas: string[] = [];
    for await (const delta of stream.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('ciao a tutti voi');
    expect(await stream.result).toMatchObject({ finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 4 } });
  });

  it('streams tool calls from input_json_delta events', async () => {
    server.enqueue({ text: 'Let me check.', toolCalls: [{ id: 'toolu_7', name: 'get_weather', input: { city: 'Lima' } }] });
    const model = resolveModel('anthropic:claude-sonnet-4-5', options());
    const result = await model.streamText({ prompt: 'x', tools: [weatherTool] }).result;
    expect(result.text).toBe('Let me check.');
    expect(result.toolCalls).toEqual([{ id: 'toolu_7', name: 'get_weather', input: { city: 'Lima' } }]);
  });

  it('retries an overloaded 529 and does not retry a 403', async () => {
    server.enqueue({ status: 529, message: 'Overloaded' }, { text: 'fine now' });
    const model = resolveModel('anthropic:claude-sonnet-4-5', options());
    expect(await model.generateText({ prompt: 'x' })).toMatchObject({ text: 'fine now', attempts: 2 });
    server.enqueue({ status: 403, message: 'forbidden' });
    await expect(model.generateText({ prompt: 'x' })).rejects.toMatchObject({ statusCode: 403, isRetryable: false });
  });
});

describe('embeddings over HTTP', () => {
  it('embeds through the OpenAI embeddings endpoint with usage and cost', async () => {
    server.enqueue({ embeddings: [[0.1, 0.2], [0.3, 0.4]], usage: { inputTokens: 1_000_000 } });
    const meter = createUsageMeter();
    const model = resolveEmbeddingModel('openai:text-embedding-3-small', options({ meter }));
    const result = await model.embed(['first text', 'second text']);
    expect(result.embeddings).toEqual([[0.1, 0.2], [0.3, 0.4]]);
    expect(result.usage.inputTokens).toBe(1_000_000);
    expect(result.usage.costUsd).toBeCloseTo(0.02, 10);
    expect(meter.totals().calls).toBe(1);
    expect(server.requests[0]).toMatchObject({ path: '/v1/embeddings', body: { input: ['first text', 'second text'] } });
  });

  it('retries an embeddings 429', async () => {
    server.enqueue({ status: 429, headers: { 'retry-after': '2' } }, { embeddings: [[1]] });
    const clock = createFakeClock({ autoAdvance: true });
    const model = resolveEmbeddingModel('openai:text-embedding-3-small', options({ clock }));
    expect((await model.embed(['x'])).embeddings).toEqual([[1]]);
    expect(clock.sleeps).toEqual([2000]);
  });
});

describe('structured output, timeouts and cancellation', () => {
  it('gets structured output from Anthropic', async () => {
    server.enqueue({ text: '{"city":"Bern"}' });
    const model = resolveModel('anthropic:claude-sonnet-4-5', options());
    const result = await model.generateObject({ prompt: 'Capital of Switzerland?', schema: z.object({ city: z.string() }) });
    expect(result).toMatchObject({ object: { city: 'Bern' }, repaired: false });
    // Claude models that support it get Anthropic's native JSON-schema output format.
    expect(server.requests[0]!.body['output_config']).toMatchObject({ format: { type: 'json_schema', schema: { required: ['city'] } } });
  });

  it('times out a stream that goes silent before its first part', async () => {
    server.enqueue({ delayMs: 5000, then: { text: 'late' } });
    const model = resolveModel('openai:gpt-5-mini', options({ timeoutMs: 150, retries: { maxAttempts: 1 } }));
    await expect(model.streamText({ prompt: 'x' }).result).rejects.toBeInstanceOf(TimeoutError);
  });

  it('stops when the caller aborts, without retrying', async () => {
    server.enqueue({ delayMs: 5000, then: { text: 'late' } });
    const model = resolveModel('openai:gpt-5-mini', options());
    const controller = new AbortController();
    const pending = model.generateText({ prompt: 'x', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed ctrl-c')), 50);
    await expect(pending).rejects.toThrow('user pressed ctrl-c');
    expect(server.requests).toHaveLength(1);
  });
});
