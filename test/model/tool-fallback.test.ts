import type { LanguageModelV4, LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { createLanguageModelClient } from '../../src/model/language-model-client.ts';
import { jsonSchemaToGrammarSchema } from '../../src/model/local/json-schema-to-grammar-schema.ts';
import { describeToolsForText, parseToolReply, toolReplySchema } from '../../src/model/tool-fallback.ts';
import type { ToolDefinition } from '../../src/model/types.ts';

const tools: ToolDefinition[] = [
  {
    name: 'add',
    description: 'adds two numbers',
    inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  },
  { name: 'now', description: 'the time', inputSchema: {} },
];

describe('toolReplySchema', () => {
  it('offers each tool with its own input and, unless a tool is required, an answer', () => {
    const auto = toolReplySchema(tools, 'auto');
    expect(auto).toEqual({
      anyOf: [
        {
          type: 'object',
          properties: { tool: { const: 'add' }, input: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } },
          required: ['tool', 'input'],
          additionalProperties: false,
        },
        {
          type: 'object',
          // A tool without an object schema still takes an object.
          properties: { tool: { const: 'now' }, input: { type: 'object', additionalProperties: true } },
          required: ['tool', 'input'],
          additionalProperties: false,
        },
        { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false },
      ],
    });
    const required = toolReplySchema(tools, 'required') as { anyOf: { properties: Record<string, unknown> }[] };
    expect(required.anyOf.map((alternative) => alternative.properties['tool'])).toEqual([{ const: 'add' }, { const: 'now' }]);
    expect(toolReplySchema([tools[0]!], 'required')).not.toHaveProperty('anyOf');
  });

  it('lets optional properties be null, and gives up checking inputs with references', () => {
    const optional: ToolDefinition = {
      name: 'read',
      description: 'reads',
      inputSchema: { type: 'object', properties: { path: { type: 'string' }, limit: { type: 'integer' } }, required: ['path'] },
    };
    const referring: ToolDefinition = {
      name: 'tree',
      description: 'a tree',
      inputSchema: { type: 'object', properties: { root: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object' } } },
    };
    const schema = toolReplySchema([optional, referring], 'required') as { anyOf: { properties: { input: unknown } }[] };
    expect(schema.anyOf[0]!.properties.input).toEqual({
      type: 'object',
      properties: { path: { type: 'string' }, limit: { anyOf: [{ type: 'integer' }, { type: 'null' }] } },
      required: ['path'],
    });
    expect(schema.anyOf[1]!.properties.input).toEqual({ type: 'object', additionalProperties: true });
    // The null the grammar made the model write for a left-out option is dropped again.
    expect(parseToolReply('{"tool": "read", "input": {"path": "a.txt", "limit": null}}', [optional])?.toolCalls[0]?.input).toEqual({ path: 'a.txt' });
    expect(parseToolReply('{"tool": "read", "input": {"path": null, "limit": 3}}', [optional])?.toolCalls[0]?.input).toEqual({ path: null, limit: 3 });
    expect(parseToolReply('{"tool": "tree", "input": {"root": null}}', [referring])?.toolCalls[0]?.input).toEqual({ root: null });
  });

  it('converts to a grammar schema without dropping anything', () => {
    const { schema, dropped } = jsonSchemaToGrammarSchema(toolReplySchema(tools, 'auto') as never);
    expect(dropped).toEqual([]);
    expect(schema).toMatchObject({ oneOf: [{ type: 'object' }, { type: 'object' }, { type: 'object', properties: { answer: { type: 'string' } } }] });
  });
});

describe('parseToolReply', () => {
  it('reads a tool call, an answer, or nothing', () => {
    expect(parseToolReply('{"tool": "add", "input": {"a": 1, "b": 2}}', tools)).toMatchObject({
      text: '',
      toolCalls: [{ name: 'add', input: { a: 1, b: 2 } }],
    });
    expect(parseToolReply('{"answer": "It is 3."}', tools)).toEqual({ text: 'It is 3.', toolCalls: [] });
    // Cut off by the token limit, or a tool that was not offered.
    expect(parseToolReply('{"tool": "add", "input": {"a": 1', tools)).toBeUndefined();
    expect(parseToolReply('{"tool": "delete", "input": {}}', tools)).toBeUndefined();
    expect(parseToolReply('{"answer": 3}', tools)).toBeUndefined();
  });

  it('tells the model how to answer without a tool', () => {
    expect(describeToolsForText(tools, 'auto', { answerAsJson: true })).toContain('reply with only {"answer": "<your answer>"}');
    expect(describeToolsForText(tools, 'auto')).toContain('answer in plain text');
    expect(describeToolsForText(tools, 'required', { answerAsJson: true })).not.toContain('"answer"');
  });
});

/** A provider model that replies with the given texts in turn and keeps each call's options. */
function fakeModel(replies: string[]): LanguageModelV4 & { calls: LanguageModelV4CallOptions[] } {
  const calls: LanguageModelV4CallOptions[] = [];
  return {
    specificationVersion: 'v4',
    provider: 'fake',
    modelId: 'fake',
    supportedUrls: {},
    calls,
    async doGenerate(options) {
      calls.push(options);
      return {
        content: [{ type: 'text', text: replies[calls.length - 1] ?? '' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: undefined },
          outputTokens: { total: 1, text: 1, reasoning: undefined },
        },
        warnings: [],
      };
    },
    doStream() {
      throw new Error('not used');
    },
  };
}

describe('constrained text tool calls in the client', () => {
  const clientFor = (model: LanguageModelV4, grammarConstrainedJson: boolean) =>
    createLanguageModelClient(model, { spec: 'local:fake', provider: 'local', modelId: 'fake', nativeTools: false, nativeStructuredOutput: true, grammarConstrainedJson });

  it('sends the reply schema to grammar providers and reads calls and answers back', async () => {
    const model = fakeModel(['{"tool": "add", "input": {"a": 1, "b": 2}}', '{"answer": "It is 3."}', '{"tool": "add", "input": {"a": 1']);
    const client = clientFor(model, true);
    const call = await client.generateText({ prompt: 'add 1 and 2', tools });
    expect(call).toMatchObject({ text: '', finishReason: 'tool-calls', toolCalls: [{ name: 'add', input: { a: 1, b: 2 } }] });
    const format = model.calls[0]?.responseFormat;
    expect(format).toMatchObject({ type: 'json', name: 'tool_reply' });
    expect(format?.type === 'json' ? format.schema : undefined).toEqual(toolReplySchema(tools, 'auto'));
    expect(model.calls[0]?.providerOptions).toEqual({ local: { schemaInPrompt: false } });
    const system = model.calls[0]?.prompt[0];
    expect(system?.role === 'system' ? system.content : '').toContain('{"answer": "<your answer>"}');

    const answer = await client.generateText({ prompt: 'add 1 and 2', tools, toolChoice: 'required' });
    expect(answer).toMatchObject({ text: 'It is 3.', toolCalls: [], finishReason: 'stop' });
    expect(model.calls[1]?.responseFormat?.type === 'json' ? model.calls[1].responseFormat.schema : undefined).toEqual(
      toolReplySchema(tools, 'required'),
    );
    // A reply cut short is passed on as text, as the unconstrained fallback does.
    const cut = await client.generateText({ prompt: 'add', tools });
    expect(cut).toMatchObject({ text: '{"tool": "add", "input": {"a": 1', toolCalls: [] });
  });

  it('leaves other providers, calls without tools and toolChoice none unconstrained', async () => {
    const remote = fakeModel(['{"answer": "x"}']);
    const plain = await clientFor(remote, false).generateText({ prompt: 'hi', tools });
    expect(remote.calls[0]?.responseFormat).toBeUndefined();
    expect(plain.text).toBe('{"answer": "x"}');

    const local = fakeModel(['a', 'b']);
    const client = clientFor(local, true);
    await client.generateText({ prompt: 'hi' });
    await client.generateText({ prompt: 'hi', tools, toolChoice: 'none' });
    expect(local.calls.map((call) => call.responseFormat)).toEqual([undefined, undefined]);
  });
});
