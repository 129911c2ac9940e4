import type { JSONSchema7 } from '@ai-sdk/provider';
import { parseToolCallFromText, parseToolReply, toolReplySchema } from '../tool-fallback.ts';
import type { GenerateTextRequest, GenerateTextResult } from '../types.ts';
import type { CallShape, ClientContext } from './client-context.ts';
import type { RawReply } from './generate-raw.ts';

/**
 * Tools on the way out and tool calls on the way back: native tool definitions for providers that
 * call tools, a reply schema for grammar-constrained local models, and otherwise tool calls read
 * back out of the reply's text.
 */
export function toolShape(context: ClientContext, request: GenerateTextRequest): CallShape {
  if (!context.nativeTools || request.tools === undefined || request.tools.length === 0) return {};
  return {
    tools: request.tools.map((tool) => ({
      type: 'function' as const,
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema as JSONSchema7,
    })),
    toolChoice: { type: request.toolChoice ?? 'auto' },
  };
}

/** Whether this call's text tool calls are sampled under the reply schema (see `toolReplySchema`). */
export function constrainsToolReplies(context: ClientContext, request: GenerateTextRequest): boolean {
  return (
    !context.nativeTools &&
    context.options.grammarConstrainedJson === true &&
    request.tools !== undefined &&
    request.tools.length > 0 &&
    request.toolChoice !== 'none'
  );
}

export function constrainedToolShape(request: GenerateTextRequest): CallShape {
  const schema = toolReplySchema(request.tools ?? [], request.toolChoice === 'required' ? 'required' : 'auto');
  return {
    responseFormat: { type: 'json', schema: schema as JSONSchema7, name: 'tool_reply' },
    // The tool descriptions in the system prompt already say what to write; no second copy.
    providerOptions: { local: { schemaInPrompt: false } },
  };
}

export function finishText(
  context: ClientContext,
  request: GenerateTextRequest,
  raw: Omit<RawReply, 'latencyMs' | 'attempts'>,
  constrained = false,
): Pick<GenerateTextResult, 'text' | 'toolCalls' | 'finishReason'> {
  if (context.nativeTools || request.tools === undefined || request.toolChoice === 'none') {
    return { text: raw.text, toolCalls: raw.nativeToolCalls, finishReason: raw.finishReason };
  }
  if (constrained) {
    const reply = parseToolReply(raw.text, request.tools);
    // A reply cut off by the token limit is not valid JSON; it is passed on as text, as unconstrained.
    if (reply !== undefined) return { ...reply, finishReason: reply.toolCalls.length > 0 ? 'tool-calls' : raw.finishReason };
  }
  const call = parseToolCallFromText(raw.text, request.tools);
  if (call === undefined) return { text: raw.text, toolCalls: [], finishReason: raw.finishReason };
  return { text: '', toolCalls: [call], finishReason: 'tool-calls' };
}
