import type { LanguageModelV4Message, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { InternalError } from '../core/errors.ts';
import { describeToolsForText, formatToolCallAsText, formatToolResultAsText } from './tool-fallback.ts';
import type { ChatMessage, GenerateTextRequest } from './types.ts';

/**
 * Builds the AI SDK's provider-level prompt from our request. With native tools the history keeps
 * tool calls and results as structured parts; without, they are written as text the model reads.
 */
export function buildPrompt(
  request: Pick<GenerateTextRequest, 'system' | 'prompt' | 'messages' | 'tools' | 'toolChoice'>,
  options: { nativeTools: boolean; extraSystem?: readonly string[]; answerAsJson?: boolean },
): LanguageModelV4Prompt {
  const systemParts: string[] = [];
  if (request.system !== undefined && request.system !== '') systemParts.push(request.system);
  const messages: ChatMessage[] = [...(request.messages ?? [])];
  if (request.prompt !== undefined) messages.push({ role: 'user', content: request.prompt });
  for (const message of messages) if (message.role === 'system') systemParts.push(message.content);
  if (!options.nativeTools && request.tools !== undefined) {
    const description = describeToolsForText(request.tools, request.toolChoice, { answerAsJson: options.answerAsJson === true });
    if (description !== '') systemParts.push(description);
  }
  systemParts.push(...(options.extraSystem ?? []));

  const prompt: LanguageModelV4Prompt = [];
  if (systemParts.length > 0) prompt.push({ role: 'system', content: systemParts.join('\n\n') });
  for (const message of messages) {
    const converted = options.nativeTools ? convertNative(message) : convertAsText(message);
    if (converted === undefined) continue;
    const previous = prompt.at(-1);
    // Consecutive tool results belong in one message (Anthropic requires it; OpenAI accepts it).
    if (converted.role === 'tool' && previous?.role === 'tool') previous.content.push(...converted.content);
    else prompt.push(converted);
  }
  if (prompt.every((message) => message.role === 'system')) {
    throw new InternalError('a model request needs a prompt or at least one non-system message');
  }
  return prompt;
}

function convertNative(message: ChatMessage): LanguageModelV4Message | undefined {
  switch (message.role) {
    case 'system':
      return undefined;
    case 'user':
      return { role: 'user', content: [{ type: 'text', text: message.content }] };
    case 'assistant': {
      const content: Extract<LanguageModelV4Message, { role: 'assistant' }>['content'] = [];
      if (message.content !== '') content.push({ type: 'text', text: message.content });
      for (const call of message.toolCalls ?? []) {
        content.push({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.input });
      }
      return { role: 'assistant', content };
    }
    case 'tool':
      return {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: message.toolCallId,
            toolName: message.toolName,
            output: message.isError === true ? { type: 'error-text', value: message.content } : { type: 'text', value: message.content },
          },
        ],
      };
  }
}

function convertAsText(message: ChatMessage): LanguageModelV4Message | undefined {
  switch (message.role) {
    case 'system':
      return undefined;
    case 'user':
      return { role: 'user', content: [{ type: 'text', text: message.content }] };
    case 'assistant': {
      const parts = [message.content, ...(message.toolCalls ?? []).map(formatToolCallAsText)].filter((part) => part !== '');
      return { role: 'assistant', content: [{ type: 'text', text: parts.join('\n') }] };
    }
    case 'tool':
      return {
        role: 'user',
        content: [{ type: 'text', text: formatToolResultAsText(message.toolName, message.content, message.isError === true) }],
      };
  }
}
