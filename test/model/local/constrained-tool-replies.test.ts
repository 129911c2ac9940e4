import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLanguageModelClient } from '../../../src/model/language-model-client.ts';
import { createLocalLanguageModel, unloadLocalModels } from '../../../src/model/local/index.ts';
import type { ToolDefinition } from '../../../src/model/types.ts';
import { writeTinyGguf } from '../../support/tiny-gguf.ts';

// Text tool calls from a random-weight model: without the grammar its replies are gibberish;
// under the reply schema every one that is not cut off is a tool call or an answer.
let directory: string;
let modelPath: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lamarck-constrained-tools-'));
  modelPath = join(directory, 'tiny.gguf');
  await writeTinyGguf(modelPath, { seed: 7 });
});

afterAll(async () => {
  await unloadLocalModels();
  await rm(directory, { recursive: true, force: true });
});

const tools: ToolDefinition[] = [
  {
    name: 'set_mode',
    description: 'Switch the mode.',
    inputSchema: { type: 'object', properties: { mode: { enum: ['fast', 'slow'] }, on: { type: 'boolean' } }, required: ['mode', 'on'] },
  },
  {
    name: 'ping',
    description: 'Check the connection.',
    inputSchema: { type: 'object', properties: { twice: { type: 'boolean' } }, additionalProperties: false },
  },
];

/** The local model, keeping the raw text of every reply. */
function recordingLocalModel(): { model: LanguageModelV4; texts: string[] } {
  const local = createLocalLanguageModel({ path: modelPath, gpuLayers: 0, threads: 1 });
  const texts: string[] = [];
  return {
    texts,
    model: {
      ...local,
      async doGenerate(options) {
        const result = await local.doGenerate(options);
        texts.push(result.content.map((part) => (part.type === 'text' ? part.text : '')).join(''));
        return result;
      },
    },
  };
}

describe('grammar-constrained text tool calls on a local model', () => {
  it('makes every required reply a call of an offered tool with its input shape', async () => {
    const { model, texts } = recordingLocalModel();
    const client = createLanguageModelClient(model, {
      spec: 'local:tiny',
      provider: 'local',
      modelId: 'tiny',
      nativeTools: false,
      nativeStructuredOutput: true,
      grammarConstrainedJson: true,
    });
    for (const temperature of [0, 1]) {
      const result = await client.generateText({ prompt: 'Go fast.', tools, toolChoice: 'required', temperature, maxOutputTokens: 200 });
      expect(result.finishReason).toBe('tool-calls');
      expect(result.toolCalls).toHaveLength(1);
      const call = result.toolCalls[0]!;
      expect(['set_mode', 'ping']).toContain(call.name);
      if (call.name === 'set_mode') {
        expect(call.input).toEqual({ mode: expect.stringMatching(/^(fast|slow)$/), on: expect.any(Boolean) });
      } else {
        // `twice` is optional: the grammar lets the model write null for it, and null means left out.
        expect([{}, { twice: true }, { twice: false }]).toContainEqual(call.input);
      }
    }
    // The raw replies are the JSON the grammar allowed, nothing around it.
    for (const text of texts) expect(JSON.parse(text)).toHaveProperty('tool');
  });

  it('makes an auto reply a tool call or an answer unless the token limit cuts it', async () => {
    const { model, texts } = recordingLocalModel();
    const client = createLanguageModelClient(model, {
      spec: 'local:tiny',
      provider: 'local',
      modelId: 'tiny',
      nativeTools: false,
      nativeStructuredOutput: true,
      grammarConstrainedJson: true,
    });
    const result = await client.generateText({ prompt: 'Go fast.', tools, maxOutputTokens: 200, temperature: 1 });
    if (result.finishReason === 'length') {
      expect(texts[0]).toMatch(/^\{/);
    } else if (result.toolCalls.length > 0) {
      expect(['set_mode', 'ping']).toContain(result.toolCalls[0]!.name);
    } else {
      expect(JSON.parse(texts[0]!)).toEqual({ answer: result.text });
    }
  });
});
