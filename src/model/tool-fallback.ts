import { createId } from '../core/ids.ts';
import { isJsonObject, type JsonValue } from '../core/json.ts';
import { findJsonValue } from './structured-output.ts';
import type { ToolCall, ToolDefinition } from './types.ts';

/**
 * Tool calling for models without it (small local models, some self-hosted servers): the tools are
 * described in the system prompt and the model answers `{"tool": "<name>", "input": {...}}` to
 * call one. Tool calls and results in the history are written back in the same text form.
 */
export function describeToolsForText(tools: readonly ToolDefinition[], toolChoice: 'auto' | 'required' | 'none' | undefined): string {
  if (toolChoice === 'none' || tools.length === 0) return '';
  const lines = [
    'You can call tools. To call one, reply with only this JSON object and nothing else:',
    '{"tool": "<tool name>", "input": { ...arguments matching the tool input schema... }}',
    toolChoice === 'required'
      ? 'You must call one of the tools now.'
      : 'Call at most one tool per reply. When you need no tool, answer in plain text.',
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
