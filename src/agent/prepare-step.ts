import type { ChatMessage, ToolDefinition } from '../model/types.ts';
import { compactConversation, estimateConversationTokens, estimateTokens } from './context-window.ts';
import { buildSystemPrompt } from './prompt.ts';
import type { RunState } from './run-state.ts';
import type { TrajectoryRecorder } from './trajectory-recorder.ts';
import type { AgentEvent } from './types.ts';

/**
 * Preparing one step: the conversation compacted to the context budget, the retrieval query for
 * choosing tools, the tool definitions as the model sees them, and the system prompt (built once
 * per variant, since it changes only when retrieval starts or stops hiding tools).
 */
export function compactIfNeeded(state: RunState, budget: number, recorder: TrajectoryRecorder, emit: (event: AgentEvent) => void): void {
  if (estimateConversationTokens(state.messages) <= budget) return;
  const compacted = compactConversation(state.messages, budget);
  if (compacted.removedMessages === 0) return;
  state.messages = compacted.messages;
  recorder.step('context-compacted', { removedMessages: compacted.removedMessages, tokensBefore: compacted.tokensBefore, tokensAfter: compacted.tokensAfter });
  emit({ type: 'context-compacted', removedMessages: compacted.removedMessages, tokensBefore: compacted.tokensBefore, tokensAfter: compacted.tokensAfter });
}

/** The task plus the latest exchange: what the next step is most likely about. */
export function retrievalQuery(task: string, messages: readonly ChatMessage[]): string {
  let query = task;
  for (let index = messages.length - 1, taken = 0; index > 0 && taken < 3; index -= 1, taken += 1) {
    query += ` ${messages[index]!.content.slice(0, 400)}`;
  }
  return query;
}

export function toDefinition(tool: ToolDefinition): ToolDefinition {
  return { name: tool.name, description: tool.description, inputSchema: tool.inputSchema };
}

export function memoizeSystemPrompt(parts: Omit<Parameters<typeof buildSystemPrompt>[0], 'moreTools'>): (moreTools: boolean) => string {
  const cache = new Map<boolean, string>();
  return (moreTools) => {
    let prompt = cache.get(moreTools);
    if (prompt === undefined) cache.set(moreTools, (prompt = buildSystemPrompt({ ...parts, moreTools })));
    return prompt;
  };
}


export function estimateToolTokens(definitions: readonly ToolDefinition[]): number {
  let total = 0;
  for (const definition of definitions) total += 10 + estimateTokens(definition.name) + estimateTokens(definition.description) + estimateTokens(JSON.stringify(definition.inputSchema));
  return total;
}
