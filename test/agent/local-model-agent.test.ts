import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isJsonObject } from '../../src/core/json.ts';
import type * as LocalLanguageModelModule from '../../src/model/local/local-language-model.ts';
import { runAgent } from '../../src/agent/run-agent.ts';
import { unloadLocalModels } from '../../src/model/local/index.ts';
import { resolveModel } from '../../src/model/resolve-model.ts';
import type { GenerateTextResult, LanguageModelClient } from '../../src/model/types.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { writeTinyGguf } from '../support/tiny-gguf.ts';
import { customTool } from './helpers.ts';

// The real agent on a real (random-weight) local model through `local:<path>`: the model's
// choices are arbitrary, so the test checks their form. Local models have no native tool calls;
// their text replies are sampled under the tool-reply grammar, so none is an unreadable call.

// The raw text of every local model reply, before the client reads it: the client cannot tell a
// plain-text answer from gibberish, but under the grammar every raw reply is the reply JSON.
const rawReplies = vi.hoisted((): string[] => []);
vi.mock('../../src/model/local/local-language-model.ts', async (importOriginal) => {
  const original = await importOriginal<typeof LocalLanguageModelModule>();
  return {
    ...original,
    createLocalLanguageModel: (options: Parameters<typeof original.createLocalLanguageModel>[0]) => {
      const model = original.createLocalLanguageModel(options);
      return {
        ...model,
        async doGenerate(call: Parameters<typeof model.doGenerate>[0]) {
          const result = await model.doGenerate(call);
          rawReplies.push(result.content.map((part) => (part.type === 'text' ? part.text : '')).join(''));
          return result;
        },
      };
    },
  };
});

let directory: string;
let modelPath: string;
// The tiny model's vocabulary is bytes, so the agent's system prompt takes a token per character.
const contextLength = 8192;
// The agent sets no output limit, and a random model's strings run on for thousands of tokens, so
// replies are capped here; a cut-off reply is still the start of a reply the grammar allows.
const maxOutputTokens = 300;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lamarck-local-agent-'));
  modelPath = join(directory, 'tiny.gguf');
  await writeTinyGguf(modelPath, { seed: 42, contextLength });
});

afterAll(async () => {
  await unloadLocalModels();
  await rm(directory, { recursive: true, force: true });
});

/**
 * The resolved client with the output cap, keeping every reply. Greedy sampling keeps the run the
 * same from one test run to the next; the assertions hold for whatever the model chooses.
 */
function cappedClient(client: LanguageModelClient): { client: LanguageModelClient; replies: GenerateTextResult[] } {
  const replies: GenerateTextResult[] = [];
  return {
    replies,
    client: {
      ...client,
      async generateText(request) {
        const reply = await client.generateText({ ...request, maxOutputTokens, temperature: 0 });
        replies.push(reply);
        return reply;
      },
    },
  };
}

describe('the agent on a local model', () => {
  it('runs to a stop with every reply a valid tool call or an answer', async () => {
    const resolved = resolveModel(`local:${modelPath}`);
    expect(resolved.nativeTools).toBe(false);
    const { client, replies } = cappedClient(resolved);
    const mode = customTool('set_mode', 'Switch the mode.', () => 'done', { mode: { enum: ['fast', 'slow'] } });
    const store = createMemoryStore();
    const result = await runAgent({ task: 'Switch to fast mode, then report.', model: client, store, tools: [mode], limits: { maxSteps: 3 } }).result;

    expect(result.status).not.toBe('failed');
    expect(result.error).toBeUndefined();
    const trajectory = await store.getTrajectory(result.trajectoryId);
    const steps = trajectory!.steps;
    expect(steps.filter((step) => step.type === 'error' || step.type === 'run-failed')).toEqual([]);
    const modelCalls = steps.filter((step) => step.type === 'model-call');
    expect(modelCalls.length).toBeGreaterThan(0);
    expect(modelCalls.length).toBe(replies.length);
    expect(result.usage.modelCalls).toBe(replies.length);
    expect(rawReplies).toHaveLength(replies.length);

    for (const [index, step] of modelCalls.entries()) {
      const offered = step.data['toolsOffered'] as string[];
      const calls = step.data['toolCalls'] as { name: string; input: unknown }[];
      const reply = replies[index]!;
      const raw = rawReplies[index]!;
      if (calls.length > 0) {
        expect(calls).toHaveLength(1);
        expect(offered).toContain(calls[0]!.name);
        expect(isJsonObject(calls[0]!.input as never)).toBe(true);
        expect(reply.finishReason).toBe('tool-calls');
        expect(JSON.parse(raw)).toMatchObject({ tool: calls[0]!.name });
      } else if (reply.finishReason === 'length') {
        // Cut off by the cap above: still the opening of a tool call or an answer, not free text.
        expect(raw).toMatch(/^\s*\{\s*"(tool|answer)"\s*:/);
      } else {
        // A finished reply without a call is an answer written as the grammar requires.
        expect(JSON.parse(raw)).toEqual({ answer: reply.text });
      }
    }
    await store.close();
  }, 60_000);
});
