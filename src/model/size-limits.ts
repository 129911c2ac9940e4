import type { LanguageModelV4Prompt } from '@ai-sdk/provider';
import { ModelOutputError } from '../core/errors.ts';
import type { ModelUsage, ToolCall } from './types.ts';

/**
 * The size caps on model traffic (`limits` in lamarck.config.json). A reply over its cap is never
 * used: a megabyte "diff" would become a megabyte program, and the next prompt would carry it. A
 * prompt over its cap is not sent, since a provider would bill it or refuse it anyway. Both are
 * ModelOutputErrors (fault `model`), so each loop records them as the failure of one step.
 */
export class ReplyTooLargeError extends ModelOutputError {
  /** What the call cost: it was paid for even though its reply is thrown away. */
  readonly usage: ModelUsage;
  readonly model: string;
  constructor(options: { model: string; chars: number; limit: number; text: string; usage: ModelUsage }) {
    super(`${options.model}: the reply has ${options.chars} characters, over the cap of ${options.limit} (limits.maxReplyChars); it was not used`, {
      code: 'reply-too-large',
      text: options.text,
    });
    this.usage = options.usage;
    this.model = options.model;
  }
}

/** Characters of a reply: its text and its tool calls' arguments. */
export function replyChars(text: string, toolCalls: readonly ToolCall[]): number {
  return toolCalls.reduce((sum, call) => sum + call.name.length + (typeof call.input === 'string' ? call.input.length : (JSON.stringify(call.input)?.length ?? 0)), text.length);
}

/** Characters of a provider prompt: text as is, other parts (tool calls and results, files) as JSON. */
export function promptChars(prompt: LanguageModelV4Prompt): number {
  let total = 0;
  for (const message of prompt) {
    if (typeof message.content === 'string') {
      total += message.content.length;
      continue;
    }
    for (const part of message.content) {
      total += part.type === 'text' || part.type === 'reasoning' ? part.text.length : (JSON.stringify(part)?.length ?? 0);
    }
  }
  return total;
}

export function assertPromptWithinLimit(prompt: LanguageModelV4Prompt, limit: number | undefined, model: string): void {
  if (limit === undefined) return;
  const chars = promptChars(prompt);
  if (chars <= limit) return;
  throw new ModelOutputError(`${model}: the prompt has ${chars} characters, over the cap of ${limit} (limits.maxPromptChars); it was not sent`, {
    code: 'prompt-too-large',
  });
}
