import type { JsonValue } from '../../core/json.ts';
import { isJsonObject } from '../../core/json.ts';
import type { AgentKnowledge } from '../knowledge.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import type { AgentTool } from '../types.ts';

/** Tools that steer the run rather than act on the world: answer, find tools, load a skill. */
export const finalAnswerToolName = 'final_answer';

export function createFinalAnswerTool(): AgentTool {
  return {
    name: finalAnswerToolName,
    description: 'Give the final answer to the task. Call this exactly once, when the task is done.',
    inputSchema: {
      type: 'object',
      properties: { answer: { type: 'string', description: 'The complete final answer.' } },
      required: ['answer'],
      additionalProperties: false,
    },
    source: 'builtin',
    pinned: true,
    // The loop intercepts final_answer; executing it directly only acknowledges.
    execute: async () => ({ content: 'answer recorded' }),
  };
}

/** The answer carried by a final_answer call, or undefined when the input has none. */
export function answerFromInput(input: JsonValue): string | undefined {
  if (typeof input === 'string') return input;
  if (isJsonObject(input)) {
    const answer = input['answer'];
    if (typeof answer === 'string') return answer;
    if (answer !== undefined) return JSON.stringify(answer);
  }
  return undefined;
}

export function createSearchToolsTool(registry: ToolRegistry): AgentTool {
  return {
    name: 'search_tools',
    description: 'Search all available tools by what you need to do; matching tools become callable from the next step.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What the tool should do, in a few words.' },
        limit: { type: 'integer', minimum: 1, maximum: 20 },
      },
      required: ['query'],
      additionalProperties: false,
    },
    source: 'builtin',
    pinned: true,
    async execute(input) {
      if (!isJsonObject(input) || typeof input['query'] !== 'string') return { content: 'search_tools needs {"query": "..."}', isError: true };
      const limit = typeof input['limit'] === 'number' ? Math.min(20, Math.max(1, input['limit'])) : 8;
      const hits = registry.search(input['query'], limit);
      if (hits.length === 0) return { content: `no tools match "${input['query']}"` };
      registry.markDiscovered(hits.map((tool) => tool.name));
      const lines = hits.map((tool) => `- ${tool.name}: ${tool.description.slice(0, 200)}`);
      return { content: `Tools found (now available):\n${lines.join('\n')}` };
    },
  };
}

export function createActivateSkillTool(knowledge: AgentKnowledge, onActivate: (name: string) => void): AgentTool {
  return {
    name: 'activate_skill',
    description: 'Load the full instructions of a skill listed in the system prompt.',
    inputSchema: {
      type: 'object',
      properties: { name: { type: 'string', description: 'The skill name, as listed.' } },
      required: ['name'],
      additionalProperties: false,
    },
    source: 'builtin',
    pinned: true,
    async execute(input) {
      if (!isJsonObject(input) || typeof input['name'] !== 'string') return { content: 'activate_skill needs {"name": "..."}', isError: true };
      const name = input['name'];
      try {
        const body = await knowledge.loadSkill(name);
        onActivate(name);
        await knowledge.recordUse?.({ kind: 'skill', name });
        return { content: `Skill ${name} instructions:\n${body}` };
      } catch (error) {
        return { content: `cannot activate skill ${name}: ${error instanceof Error ? error.message : String(error)}`, isError: true };
      }
    },
  };
}
