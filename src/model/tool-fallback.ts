import { createId } from '../core/ids.ts';
import { isJsonObject, type JsonValue } from '../core/json.ts';
import { findJsonValue } from './structured-output.ts';
import type { ToolCall, ToolDefinition } from './types.ts';

/**
 * Tool calling for models without it (small local models, some self-hosted servers): the tools are
 * described in the system prompt and the model answers `{"tool": "<name>", "input": {...}}` to
 * call one. Tool calls and results in the history are written back in the same text form.
 */
export function describeToolsForText(
  tools: readonly ToolDefinition[],
  toolChoice: 'auto' | 'required' | 'none' | undefined,
  options: { answerAsJson?: boolean } = {},
): string {
  if (toolChoice === 'none' || tools.length === 0) return '';
  const noTool =
    options.answerAsJson === true
      ? `When you need no tool, reply with only {"${answerKey}": "<your answer>"}.`
      : 'When you need no tool, answer in plain text.';
  const lines = [
    'You can call tools. To call one, reply with only this JSON object and nothing else:',
    '{"tool": "<tool name>", "input": { ...arguments matching the tool input schema... }}',
    toolChoice === 'required' ? 'You must call one of the tools now.' : `Call at most one tool per reply. ${noTool}`,
    '',
    'Tools:',
  ];
  for (const tool of tools) {
    lines.push(`- ${tool.name}: ${tool.description}`);
    lines.push(`  input schema: ${JSON.stringify(tool.inputSchema)}`);
  }
  return lines.join('\n');
}

/** The text form of an assistant's tool call, as the model would have written it. */
export function formatToolCallAsText(call: ToolCall): string {
  return JSON.stringify({ tool: call.name, input: call.input });
}

export function formatToolResultAsText(toolName: string, content: string, isError: boolean): string {
  return `${isError ? 'Tool error' : 'Tool result'} from ${toolName}:\n${content}`;
}

/** A tool call written as JSON in the reply, or undefined when the reply is a plain answer. */
export function parseToolCallFromText(text: string, tools: readonly ToolDefinition[]): ToolCall | undefined {
  const value = findJsonValue(text);
  if (!isJsonObject(value)) return undefined;
  const name = value['tool'] ?? value['name'];
  if (typeof name !== 'string' || !tools.some((tool) => tool.name === name)) return undefined;
  const input: JsonValue = value['input'] ?? value['arguments'] ?? {};
  return { id: createId('call'), name, input };
}

// The key of the constrained reply that carries a plain answer instead of a tool call.
const answerKey = 'answer';

/**
 * The JSON Schema of every acceptable reply, for providers that sample under a grammar (local
 * models): a call of one offered tool with that tool's input, or (unless a tool is required) an
 * answer. Even a small model then cannot write a reply the fallback fails to read.
 */
export function toolReplySchema(tools: readonly ToolDefinition[], toolChoice: 'auto' | 'required'): Record<string, unknown> {
  const calls = tools.map((tool) => ({
    type: 'object',
    properties: { tool: { const: tool.name }, input: inputSchemaOf(tool) },
    required: ['tool', 'input'],
    additionalProperties: false,
  }));
  const answer = {
    type: 'object',
    properties: { [answerKey]: { type: 'string' } },
    required: [answerKey],
    additionalProperties: false,
  };
  const alternatives = toolChoice === 'required' ? calls : [...calls, answer];
  return alternatives.length === 1 ? alternatives[0]! : { anyOf: alternatives };
}

/**
 * A tool's input as the grammar should see it. The grammar writes every listed property, so an
 * optional one may be null (dropped again when the reply is read). A tool without an object schema,
 * or with `$ref`s into its own definitions (which the reply schema's root does not hold), still
 * takes an object, just not a checked one.
 */
function inputSchemaOf(tool: ToolDefinition): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = tool.inputSchema;
  const anyObject = { type: 'object', additionalProperties: true };
  if (JSON.stringify(schema).includes('"$ref"')) return anyObject;
  const properties = schema['properties'];
  if (schema['type'] !== 'object' && properties === undefined) return anyObject;
  if (!isPlainRecord(properties)) return schema;
  const optional = new Set(optionalPropertiesOf(tool));
  const nullable = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, optional.has(name) ? { anyOf: [property, { type: 'null' }] } : property]),
  );
  return { ...schema, properties: nullable };
}

/** Properties the tool's schema lists but does not require; none when the grammar sees no schema. */
function optionalPropertiesOf(tool: ToolDefinition): string[] {
  const properties = tool.inputSchema['properties'];
  if (!isPlainRecord(properties) || JSON.stringify(tool.inputSchema).includes('"$ref"')) return [];
  const required = tool.inputSchema['required'];
  const requiredNames = new Set(Array.isArray(required) ? required : []);
  return Object.keys(properties).filter((name) => !requiredNames.has(name));
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a reply written under `toolReplySchema`: a tool call, or the answer as plain text.
 * Undefined when the reply is neither (cut off by the token limit, or a provider that ignored it).
 */
export function parseToolReply(text: string, tools: readonly ToolDefinition[]): { text: string; toolCalls: ToolCall[] } | undefined {
  const call = parseToolCallFromText(text, tools);
  if (call !== undefined) return { text: '', toolCalls: [withoutNullOptionals(call, tools)] };
  const value = findJsonValue(text);
  if (isJsonObject(value) && typeof value[answerKey] === 'string') return { text: value[answerKey], toolCalls: [] };
  return undefined;
}

/** Drops the nulls the grammar wrote for optional properties the model chose to leave out. */
function withoutNullOptionals(call: ToolCall, tools: readonly ToolDefinition[]): ToolCall {
  const tool = tools.find((candidate) => candidate.name === call.name);
  if (tool === undefined || !isJsonObject(call.input)) return call;
  const optional = new Set(optionalPropertiesOf(tool));
  const input = Object.fromEntries(Object.entries(call.input).filter(([name, value]) => value !== null || !optional.has(name)));
  return { ...call, input };
}
