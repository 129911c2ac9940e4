import { NotFoundError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';
import { tokenize } from './tool-index.ts';

/**
 * What the agent consumes from a library of experience, by progressive disclosure: skill names and
 * descriptions go in the system prompt, a skill's body is loaded only when the agent activates it,
 * lessons relevant to the task are injected, and guardrails are checked before every tool call.
 * The learn module implements this over the versioned library; `createMemoryKnowledge` is the
 * in-memory twin for tests and simple use.
 */
export const knowledgeSpecificationVersion = 'v1';

export interface SkillSummary {
  name: string;
  description: string;
}

export interface Lesson {
  id: string;
  text: string;
}

/**
 * A condition on a tool call and the action it forbids. A call is blocked when the tool matches
 * `tools` (exact names or `*` suffix wildcards; all tools when absent) and, if given, `pattern`
 * matches the call's serialized input and `predicate` returns true. The predicate is JavaScript
 * source of a function `(toolName, input) => boolean`, run in the sandbox, never in the host.
 */
export interface Guardrail {
  id: string;
  name: string;
  tools?: string[];
  pattern?: string;
  /** Regex flags for `pattern`; default `i`. */
  flags?: string;
  predicate?: string;
  /** Shown to the model when the call is blocked. */
  reason: string;
}

export type KnowledgeUse =
  | { kind: 'skill'; name: string }
  | { kind: 'lesson'; id: string }
  | { kind: 'guardrail'; id: string; toolName: string; input: JsonValue };

/** A synthesized tool kept in the library: the text of its tool.json and index.js. */
export interface LibraryTool {
  name: string;
  /** The tool.json document (name, description, inputSchema, capabilities). */
  manifest: JsonValue;
  /** The index.js source (ES module, default export `async (input, ctx) => result`). */
  source: string;
}

export interface AgentKnowledge {
  skills(): SkillSummary[] | Promise<SkillSummary[]>;
  /** The skill's instructions (a SKILL.md body); rejects with NotFoundError for an unknown name. */
  loadSkill(name: string): Promise<string>;
  lessons(query: string, limit?: number): Lesson[] | Promise<Lesson[]>;
  guardrails(): Guardrail[] | Promise<Guardrail[]>;
  /** Synthesized tools from the library; they run in the sandbox like tools from a directory. */
  tools?(): LibraryTool[] | Promise<LibraryTool[]>;
  /** Told when the agent used an artifact, so the library can keep utility statistics. */
  recordUse?(use: KnowledgeUse): void | Promise<void>;
}

export interface MemoryKnowledgeContents {
  skills?: { name: string; description: string; body: string }[];
  lessons?: Lesson[];
  guardrails?: Guardrail[];
  tools?: LibraryTool[];
}

/** An in-memory AgentKnowledge; `uses` lists what the agent used, in order. */
export function createMemoryKnowledge(contents: MemoryKnowledgeContents = {}): AgentKnowledge & { uses: KnowledgeUse[] } {
  const skills = [...(contents.skills ?? [])];
  const lessons = [...(contents.lessons ?? [])];
  const guardrails = [...(contents.guardrails ?? [])];
  const tools = [...(contents.tools ?? [])];
  const uses: KnowledgeUse[] = [];
  return {
    uses,
    skills: () => skills.map(({ name, description }) => ({ name, description })),
    async loadSkill(name) {
      const skill = skills.find((candidate) => candidate.name === name);
      if (skill === undefined) throw new NotFoundError('skill', name);
      return skill.body;
    },
    lessons(query, limit = 5) {
      // Lessons sharing more words with the query come first; with no overlap, none are injected.
      const queryTerms = new Set(tokenize(query));
      return lessons
        .map((lesson) => ({ lesson, overlap: tokenize(lesson.text).filter((term) => queryTerms.has(term)).length }))
        .filter((entry) => entry.overlap > 0)
        .sort((a, b) => b.overlap - a.overlap)
        .slice(0, limit)
        .map((entry) => entry.lesson);
    },
    guardrails: () => guardrails,
    tools: () => tools,
    recordUse(use) {
      uses.push(use);
    },
  };
}
