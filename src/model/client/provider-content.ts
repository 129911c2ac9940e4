import type { LanguageModelV4Content, LanguageModelV4FinishReason } from '@ai-sdk/provider';
import { tryParseJson, type JsonValue } from '../../core/json.ts';
import type { FinishReason, ModelUsage, ToolCall } from '../types.ts';

/** Reading a provider's reply: its text, its tool calls and its finish reason, in our types. */

export function textOf(content: readonly LanguageModelV4Content[]): string {
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

export function toolCallsOf(content: readonly LanguageModelV4Content[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const part of content) {
    if (part.type === 'tool-call' && part.providerExecuted !== true) calls.push(toToolCall(part.toolCallId, part.toolName, part.input));
  }
  return calls;
}

export function toToolCall(id: string, name: string, input: string): ToolCall {
  const parsed: JsonValue | undefined = input.trim() === '' ? {} : tryParseJson(input);
  if (parsed !== undefined) return { id, name, input: parsed };
  // Invalid argument JSON is kept as text and flagged, so the agent reports it back to the model.
  const excerpt = input.length > 200 ? `${input.slice(0, 200)}...` : input;
  return { id, name, input, inputError: `the arguments of ${name} are not valid JSON (${input.length} characters: ${JSON.stringify(excerpt)})` };
}

export function mapFinishReason(reason: LanguageModelV4FinishReason): FinishReason {
  return reason.unified === 'interrupted' ? 'other' : reason.unified;
}

export function addUsage(first: ModelUsage, second: ModelUsage): ModelUsage {
  return {
    inputTokens: first.inputTokens + second.inputTokens,
    outputTokens: first.outputTokens + second.outputTokens,
    costUsd: first.costUsd + second.costUsd,
  };
}
