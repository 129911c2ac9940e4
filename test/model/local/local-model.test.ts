import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateText, Output, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../../src/core/errors.ts';
import { createLocalLanguageModel, unloadLocalModels } from '../../../src/model/local/index.ts';
import { writeTinyGguf } from '../../support/tiny-gguf.ts';

// A real llama.cpp run on a generated random-weight model: the text is gibberish, but loading,
// tokenizing, sampling, grammar-constrained JSON and token accounting are all the real thing.
// One thread: llama.cpp's worker threads spin while they wait, which on a busy two-core machine
// turns milliseconds into seconds.
const runOnCpu = { gpuLayers: 0, threads: 1 } as const;
let directory: string;
let modelPath: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lamarck-local-model-'));
  modelPath = join(directory, 'tiny.gguf');
  await writeTinyGguf(modelPath, { seed: 42 });
});

afterAll(async () => {
  await unloadLocalModels();
  await rm(directory, { recursive: true, force: true });
});

describe('createLocalLanguageModel', () => {
  it('generates text through the AI SDK with usage and a finish reason', async () => {
    const model = createLocalLanguageModel({ path: modelPath, ...runOnCpu });
    const result = await generateText({ model, system: 'You are terse.', prompt: 'Say hello.', maxOutputTokens: 12 });
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeLessThanOrEqual(12);
    expect(result.usage.inputTokens).toBeGreaterThan('You are terse.Say hello.'.length);
    expect(['length', 'stop']).toContain(result.finishReason);
    expect(typeof result.text).toBe('string');
  });

  it('produces schema-valid JSON under the grammar', async () => {
    const schema = z.object({
      verdict: z.enum(['pass', 'fail', 'unsure']),
      label: z.string().max(6),
      confident: z.boolean(),
      tags: z.array(z.enum(['a', 'b'])).max(2),
    });
    const model = createLocalLanguageModel({ path: modelPath, ...runOnCpu });
    for (const seed of [1, 2, 3]) {
      const result = await generateText({
        model,
        prompt: 'Judge this answer.',
        output: Output.object({ schema }),
        maxOutputTokens: 200,
        temperature: 1,
        seed,
      });
      // `output` is parsed and validated against the zod schema by the AI SDK; check it again here.
      expect(schema.parse(result.output)).toEqual(result.output);
      expect(schema.parse(JSON.parse(result.text))).toEqual(result.output);
    }
  });

  it('warns about schema keywords the grammar cannot enforce', async () => {
    const model = createLocalLanguageModel({ path: modelPath, ...runOnCpu });
    const result = await model.doGenerate({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'Code?' }] }],
      responseFormat: { type: 'json', schema: { type: 'object', properties: { code: { type: 'string', pattern: '^A', maxLength: 3 } } } },
      maxOutputTokens: 60,
    });
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'compatibility', details: expect.stringContaining('pattern') })]);
    const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
    const parsed = JSON.parse(text) as { code: string };
    expect(Object.keys(parsed)).toEqual(['code']);
    expect(parsed.code.length).toBeLessThanOrEqual(3);
  });

  it('streams text deltas that add up to the final text', async () => {
    const model = createLocalLanguageModel({ path: modelPath, ...runOnCpu });
    const result = streamText({ model, prompt: 'Count.', maxOutputTokens: 8 });
    let streamed = '';
    for await (const delta of result.textStream) streamed += delta;
    expect(streamed).toBe(await result.text);
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
  });

  it('stops at a stop sequence and leaves it out of the text', async () => {
    const model = createLocalLanguageModel({ path: modelPath, ...runOnCpu });
    const prompt = 'Write.';
    const full = await generateText({ model, prompt, maxOutputTokens: 40, temperature: 0 });
    // Greedy decoding repeats itself exactly, so a piece of the first answer is sure to come up again.
    const stop = full.text.slice(10, 14);
    expect(stop).toHaveLength(4);
    const stopped = await generateText({ model, prompt, maxOutputTokens: 40, temperature: 0, stopSequences: [stop] });
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
  });

  it('serializes concurrent calls on one context and is greedy-deterministic', async () => {
    const first = createLocalLanguageModel({ path: modelPath, ...runOnCpu });
    const second = createLocalLanguageModel({ path: modelPath, ...runOnCpu });
    const prompts = ['alpha', 'beta', 'alpha'];
    const results = await Promise.all(
      prompts.map((prompt, index) =>
        generateText({ model: index % 2 === 0 ? first : second, prompt, maxOutputTokens: 6, temperature: 0 }),
      ),
    );
    expect(results[0]!.text).toBe(results[2]!.text);
  });

  it('stops a running generation when its abort signal fires, and keeps serving later calls', async () => {
    const model = createLocalLanguageModel({ path: modelPath, ...runOnCpu });
    const controller = new AbortController();
    const reason = new Error('stop now');
    const result = streamText({ model, prompt: 'Go on.', maxOutputTokens: 1500, abortSignal: controller.signal });
    let deltas = 0;
    const reader = (async () => {
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta' && (deltas += 1) === 3) controller.abort(reason);
      }
    })();
    await reader.catch(() => undefined);
    expect(deltas).toBeGreaterThanOrEqual(3);
    // Far fewer than the 1500 tokens it was allowed: the abort ended it.
    expect(deltas).toBeLessThan(100);

    const after = await generateText({ model, prompt: 'Again.', maxOutputTokens: 4 });
    expect(after.usage.outputTokens).toBeGreaterThan(0);
  });

  it('rejects a call whose signal aborts while it waits for the context', async () => {
    const model = createLocalLanguageModel({ path: modelPath, ...runOnCpu });
    const running = generateText({ model, prompt: 'First.', maxOutputTokens: 40 });
    const controller = new AbortController();
    const waiting = model.doGenerate({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'Second.' }] }],
      maxOutputTokens: 40,
      abortSignal: controller.signal,
    });
    controller.abort(new Error('gave up waiting'));
    await expect(waiting).rejects.toThrow('gave up waiting');
    expect((await running).usage.outputTokens).toBeGreaterThan(0);
  });

  it('rejects a missing file and a non-GGUF file with a ConfigError naming the path', async () => {
    const missing = createLocalLanguageModel({ path: join(directory, 'absent.gguf'), gpuLayers: 0 });
    const missingCall = missing.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    await expect(missingCall).rejects.toBeInstanceOf(ConfigError);
    await expect(missingCall).rejects.toThrow(/local model file not found: .*absent\.gguf/);

    const notGguf = join(directory, 'notes.gguf');
    await writeFile(notGguf, 'this is not a model');
    const broken = createLocalLanguageModel({ path: notGguf, gpuLayers: 0 });
    await expect(generateText({ model: broken, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(/not a GGUF model file/);
  });
});
