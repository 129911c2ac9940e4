import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BudgetExceededError, ModelCallError, ModelOutputError } from '../../src/core/errors.ts';
import { createUsageMeter } from '../../src/model/usage-meter.ts';
import { createFakeClock, createHashEmbeddingModel, createScriptedModel, ScriptExhaustedError } from '../../src/testing/index.ts';

describe('scripted model', () => {
  it('gives out replies in order and records the requests', async () => {
    const model = createScriptedModel({ replies: ['first', { text: 'second' }] });
    expect((await model.generateText({ prompt: 'one', system: 'be brief' })).text).toBe('first');
    expect((await model.generateText({ prompt: 'two' })).text).toBe('second');
    expect(model.calls.map((call) => call.lastUserText)).toEqual(['one', 'two']);
    expect(model.calls[0]?.system).toBe('be brief');
    model.verify();
  });

  it('fails verify when replies are left over', async () => {
    const model = createScriptedModel({ replies: ['used', 'unused'] });
    await model.generateText({ prompt: 'x' });
    expect(() => model.verify()).toThrow(/1 unused reply of 2/);
  });

  it('throws a clear error when the script runs out, and verify fails afterwards', async () => {
    const model = createScriptedModel({ replies: ['only'] });
    await model.generateText({ prompt: 'x' });
    const error = await model.generateText({ prompt: 'again please' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScriptExhaustedError);
    expect((error as Error).message).toMatch(/ran out of replies: call 2 but the script has 1.*again please/);
    expect(() => model.verify()).toThrow(/ran out of replies at call 2/);
  });

  it('replies computed from the request', async () => {
    const model = createScriptedModel({ replies: [(request) => `echo: ${request.lastUserText}`] });
    expect((await model.generateText({ prompt: 'hello' })).text).toBe('echo: hello');
  });

  it('retries a scripted 429 honouring Retry-After, on the fake clock', async () => {
    const clock = createFakeClock({ autoAdvance: true });
    const model = createScriptedModel({ replies: [{ error: { statusCode: 429, retryAfterSeconds: 3 } }, 'ok'], clock });
    const result = await model.generateText({ prompt: 'x' });
    expect(result).toMatchObject({ text: 'ok', attempts: 2 });
    expect(clock.sleeps).toEqual([3000]);
    model.verify();
  });

  it('does not retry a 401', async () => {
    const model = createScriptedModel({ replies: [{ error: { statusCode: 401, message: 'bad key' } }] });
    const error = await model.generateText({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).statusCode).toBe(401);
    expect((error as ModelCallError).fault).toBe('user');
    expect((error as Error).message).toMatch(/HTTP 401 \(check the API key\): bad key/);
    model.verify();
  });

  it('retries a dropped connection', async () => {
    const model = createScriptedModel({ replies: [{ error: { connectionReset: true } }, 'back'] });
    expect(await model.generateText({ prompt: 'x' })).toMatchObject({ text: 'back', attempts: 2 });
  });

  it('native tool calls come back structured', async () => {
    const model = createScriptedModel({ replies: [{ toolCalls: [{ name: 'add', input: { a: 1, b: 2 } }] }] });
    const result = await model.generateText({
      prompt: 'add 1 and 2',
      tools: [{ name: 'add', description: 'adds', inputSchema: { type: 'object' } }],
    });
    expect(result.finishReason).toBe('tool-calls');
    expect(result.toolCalls).toMatchObject([{ name: 'add', input: { a: 1, b: 2 } }]);
    expect(model.calls[0]?.tools).toEqual(['add']);
  });

  it('JSON-in-text tool calls when native tools are off', async () => {
    const model = createScriptedModel({
      nativeTools: false,
      replies: [{ toolCalls: [{ name: 'add', input: { a: 1, b: 2 } }] }, 'The sum is 3.'],
    });
    const tools = [{ name: 'add', description: 'adds two numbers', inputSchema: { type: 'object' } }];
    const first = await model.generateText({ prompt: 'add 1 and 2', tools });
    expect(first.toolCalls).toMatchObject([{ name: 'add', input: { a: 1, b: 2 } }]);
    expect(first.text).toBe('');
    expect(model.calls[0]?.tools).toEqual([]);
    expect(model.calls[0]?.system).toMatch(/add: adds two numbers/);
    const call = first.toolCalls[0]!;
    const second = await model.generateText({
      tools,
      messages: [
        { role: 'user', content: 'add 1 and 2' },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', toolCallId: call.id, toolName: 'add', content: '3' },
      ],
    });
    expect(second.text).toBe('The sum is 3.');
    expect(model.calls[1]?.lastUserText).toMatch(/Tool result from add:\n3/);
    model.verify();
  });

  it('repairs invalid structured output once, then gives a typed error', async () => {
    const schema = z.object({ answer: z.number() });
    const model = createScriptedModel({ replies: ['not json', { object: { answer: 42 } }, '{"answer": "x"}', 'still bad'] });
    const repaired = await model.generateObject({ prompt: 'answer', schema });
    expect(repaired).toMatchObject({ object: { answer: 42 }, repaired: true });
    expect(model.calls[1]?.lastUserText).toMatch(/not valid JSON/);
    const error = await model.generateObject({ prompt: 'answer', schema }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelOutputError);
    expect((error as ModelOutputError).code).toBe('model-output-invalid');
    model.verify();
  });

  it('streams text in several deltas', async () => {
    const model = createScriptedModel({ replies: ['one two three'] });
    const stream = model.streamText({ prompt: 'count' });
    const deltas: string[] = [];
    for await (const delta of stream.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('one two three');
    expect((await stream.result).text).toBe('one two three');
  });

  it('stops at the budget', async () => {
    const meter = createUsageMeter({ maxCalls: 1 });
    const model = createScriptedModel({ replies: ['a'], meter });
    await model.generateText({ prompt: 'x' });
    await expect(model.generateText({ prompt: 'y' })).rejects.toBeInstanceOf(BudgetExceededError);
    model.verify();
  });
});

describe('hash embedding model', () => {
  it('is deterministic and puts texts sharing words closer', async () => {
    const model = createHashEmbeddingModel({ dimensions: 64 });
    const { embeddings } = await model.embed(['sort a list of numbers', 'sort numbers in a list', 'the weather is mild']);
    const [first, second, third] = embeddings as [number[], number[], number[]];
    const cosine = (a: number[], b: number[]) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);
    expect(first).toHaveLength(64);
    expect(cosine(first, first)).toBeCloseTo(1);
    expect(cosine(first, second)).toBeGreaterThan(cosine(first, third));
    const again = await model.embed(['sort a list of numbers']);
    expect(again.embeddings[0]).toEqual(first);
  });
});

describe('fake clock', () => {
  it('wakes sleepers only when time is advanced past them', async () => {
    const clock = createFakeClock({ start: 1000 });
    const woke: number[] = [];
    void clock.sleep(50).then(() => woke.push(clock.now()));
    void clock.sleep(10).then(() => woke.push(clock.now()));
    expect(clock.pending()).toBe(2);
    await clock.advance(20);
    expect(woke).toEqual([1010]);
    await clock.advance(100);
    expect(woke).toEqual([1010, 1050]);
    expect(clock.now()).toBe(1120);
    expect(clock.sleeps).toEqual([50, 10]);
  });
});
