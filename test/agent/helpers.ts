import type { JsonValue } from '../../src/core/json.ts';
import type { AgentEvent, AgentTool, ToolOutput } from '../../src/agent/types.ts';

/** Small tools and collectors shared by the agent tests. */
export function customTool(
  name: string,
  description: string,
  execute: (input: JsonValue) => Promise<ToolOutput | string> | ToolOutput | string,
  properties: Record<string, unknown> = {},
): AgentTool & { calls: JsonValue[] } {
  const calls: JsonValue[] = [];
  return {
    name,
    description,
    inputSchema: { type: 'object', properties },
    source: 'custom',
    calls,
    async execute(input) {
      calls.push(input);
      const output = await execute(input);
      return typeof output === 'string' ? { content: output } : output;
    },
  };
}

export function collectEvents(): { events: AgentEvent[]; onEvent: (event: AgentEvent) => void; types: () => string[] } {
  const events: AgentEvent[] = [];
  return { events, onEvent: (event) => events.push(event), types: () => events.map((event) => event.type) };
}
