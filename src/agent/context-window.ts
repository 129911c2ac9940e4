import type { ChatMessage } from '../model/types.ts';

/**
 * The context budget. Tokens are estimated, not counted: about four characters per token for
 * English and code, plus a few tokens of framing per message, which is close enough to keep a
 * conversation inside a model's window without shipping a tokenizer per provider.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function estimateMessageTokens(message: ChatMessage): number {
  let tokens = 4 + estimateTokens(message.content);
  if (message.role === 'assistant' && message.toolCalls !== undefined) {
    for (const call of message.toolCalls) tokens += 8 + estimateTokens(call.name) + estimateTokens(JSON.stringify(call.input));
  }
  return tokens;
}

export function estimateConversationTokens(messages: readonly ChatMessage[]): number {
  let total = 0;
  for (const message of messages) total += estimateMessageTokens(message);
  return total;
}

export interface CompactionResult {
  messages: ChatMessage[];
  removedMessages: number;
  tokensBefore: number;
  tokensAfter: number;
}

/**
 * Drops the oldest turns until the conversation fits `budget`, keeping the first message (the task)
 * and the most recent turns, and puts one note in their place saying what was dropped. A turn is an
 * assistant message with the tool results that answer it, so a tool call is never separated from its
 * result (providers reject that). Returns the input unchanged when it already fits.
 */
export function compactConversation(messages: readonly ChatMessage[], budget: number, keepRecentTurns = 2): CompactionResult {
  const tokensBefore = estimateConversationTokens(messages);
  if (tokensBefore <= budget || messages.length <= 2) {
    return { messages: [...messages], removedMessages: 0, tokensBefore, tokensAfter: tokensBefore };
  }
  const head = messages.slice(0, 1);
  const turns = groupTurns(messages.slice(1));
  // An earlier compaction note is folded into the next one rather than stacking notes.
  const dropped: ChatMessage[][] = [];
  // Room for the note that replaces the dropped turns.
  let total = tokensBefore + noteReserveTokens;
  while (turns.length > keepRecentTurns && total > budget) {
    const turn = turns.shift()!;
    dropped.push(turn);
    for (const message of turn) total -= estimateMessageTokens(message);
  }
  if (dropped.length === 0) return { messages: [...messages], removedMessages: 0, tokensBefore, tokensAfter: tokensBefore };
  const note: ChatMessage = { role: 'user', content: describeDropped(dropped.flat()) };
  const compacted = [...head, note, ...turns.flat()];
  return {
    messages: compacted,
    removedMessages: dropped.flat().length,
    tokensBefore,
    tokensAfter: estimateConversationTokens(compacted),
  };
}

export const compactionNotePrefix = '[context note] ';
const noteReserveTokens = 180;

function groupTurns(messages: readonly ChatMessage[]): ChatMessage[][] {
  const turns: ChatMessage[][] = [];
  for (const message of messages) {
    const current = turns.at(-1);
    if (message.role === 'tool' && current !== undefined) current.push(message);
    else turns.push([message]);
  }
  return turns;
}

function describeDropped(dropped: readonly ChatMessage[]): string {
  const calls: string[] = [];
  const notes: string[] = [];
  let errors = 0;
  for (const message of dropped) {
    if (message.role === 'assistant') {
      for (const call of message.toolCalls ?? []) calls.push(call.name);
      if (message.content.trim() !== '') notes.push(message.content.trim().slice(0, 160));
    } else if (message.role === 'tool' && message.isError === true) {
      errors += 1;
    } else if (message.role === 'user' && message.content.startsWith(compactionNotePrefix)) {
      notes.push(message.content.slice(compactionNotePrefix.length, compactionNotePrefix.length + 400));
    }
  }
  const parts = [`${dropped.length} earlier messages were removed to stay within the context budget.`];
  if (calls.length > 0) parts.push(`Tools called then: ${summarizeNames(calls).slice(0, 200)}${errors > 0 ? ` (${errors} failed)` : ''}.`);
  if (notes.length > 0) parts.push(`Your notes then: ${notes.slice(-2).join(' | ').slice(0, 300)}`);
  parts.push('Large results remain readable with read_result.');
  return compactionNotePrefix + parts.join(' ');
}

function summarizeNames(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, count]) => (count > 1 ? `${name} ×${count}` : name)).join(', ');
}
