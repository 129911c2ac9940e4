import type { JsonValue } from '../core/json.ts';
import { isJsonObject } from '../core/json.ts';
import type { AgentTool } from './types.ts';

/**
 * Large tool results passed by reference: instead of pasting a 200 kB file into the conversation,
 * the model gets an id, the size and a preview, and reads slices with `read_result`. The full text
 * stays here (and in the saved run state), so nothing is lost when older turns are compacted.
 */
export interface ResultReference {
  id: string;
  toolName: string;
  chars: number;
}

export class ResultReferences {
  private readonly results = new Map<string, { toolName: string; content: string }>();
  private counter = 0;

  constructor(entries: readonly { id: string; toolName: string; content: string }[] = []) {
    for (const entry of entries) {
      this.results.set(entry.id, { toolName: entry.toolName, content: entry.content });
      const number = Number(entry.id.replace(/^ref_/, ''));
      if (Number.isInteger(number) && number > this.counter) this.counter = number;
    }
  }

  store(toolName: string, content: string): ResultReference {
    this.counter += 1;
    const id = `ref_${this.counter}`;
    this.results.set(id, { toolName, content });
    return { id, toolName, chars: content.length };
  }

  read(id: string, offset = 0, length = 4000): { text: string; total: number; nextOffset: number | null } | undefined {
    const entry = this.results.get(id);
    if (entry === undefined) return undefined;
    const start = Math.max(0, Math.min(offset, entry.content.length));
    const end = Math.min(entry.content.length, start + Math.max(1, length));
    return { text: entry.content.slice(start, end), total: entry.content.length, nextOffset: end < entry.content.length ? end : null };
  }

  entries(): { id: string; toolName: string; content: string }[] {
    return [...this.results].map(([id, entry]) => ({ id, ...entry }));
  }
}

export function describeReference(reference: ResultReference, content: string, previewChars = 600): string {
  return (
    `The result of ${reference.toolName} is ${reference.chars} characters, stored as reference ${reference.id}. ` +
    `Preview of the start:\n${content.slice(0, previewChars)}\n` +
    `[…] Call read_result with {"id":"${reference.id}","offset":0,"length":4000} to read slices.`
  );
}

const maxSlice = 16_000;

export function createReadResultTool(references: ResultReferences): AgentTool {
  return {
    name: 'read_result',
    description: 'Read a slice of a large tool result that was stored as a reference (ref_N).',
    inputSchema: {
      type: 'object',
      properties: {
        id: { type: 'string', description: 'The reference id, e.g. ref_1.' },
        offset: { type: 'integer', minimum: 0, description: 'Character offset to start at.' },
        length: { type: 'integer', minimum: 1, maximum: maxSlice, description: 'Characters to read.' },
      },
      required: ['id'],
      additionalProperties: false,
    },
    source: 'builtin',
    pinned: true,
    async execute(input: JsonValue) {
      if (!isJsonObject(input) || typeof input['id'] !== 'string') return { content: 'read_result needs {"id": "ref_N"}', isError: true };
      const offset = typeof input['offset'] === 'number' ? input['offset'] : 0;
      const length = typeof input['length'] === 'number' ? Math.min(input['length'], maxSlice) : 4000;
      const slice = references.read(input['id'], offset, length);
      if (slice === undefined) return { content: `no stored result with id ${input['id']}`, isError: true };
      const next = slice.nextOffset === null ? 'end of result' : `next offset ${slice.nextOffset}`;
      return { content: `[${input['id']} characters ${offset}–${offset + slice.text.length} of ${slice.total}; ${next}]\n${slice.text}` };
    },
  };
}
