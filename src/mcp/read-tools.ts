import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { GuardrailContent, ToolContent } from '../library/artifact-content.ts';
import { libraryKinds, searchableText } from '../library/artifact-content.ts';
import { tokenize } from '../library/retrieval/tokenize.ts';
import { LibraryKnowledge } from '../learn/library-knowledge.ts';
import { itemId, itemUri, parseItemAddress } from './item-addresses.ts';
import { readItem } from './item-content.ts';
import type { McpSharedOptions } from './server-context.ts';
import { readOnlyAnnotations } from './tool-annotations.ts';
import { guarded, structuredResult } from './tool-results.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * The read-only tools: ranked search with the reason each item matched, one item by id or version,
 * and what `lamarck run` would put in an agent's prompt for a task. None changes anything, so each
 * says so in its annotations (read-only, idempotent, closed world).
 */
const kindSchema = z.enum(libraryKinds);

const searchInput = z.object({
  query: z.string().min(1).max(4000).describe('What to look for, in words.'),
  kinds: z.array(kindSchema).min(1).optional().describe('Only these kinds (default: all).'),
  k: z.number().int().min(1).max(100).default(10).describe('How many items to return.'),
});
const searchOutput = z.object({
  query: z.string(),
  retrieval: z.enum(['bm25', 'bm25+vectors']),
  items: z.array(
    z.object({
      id: z.string(),
      uri: z.string(),
      kind: kindSchema,
      name: z.string(),
      version: z.number().int(),
      rank: z.number().int(),
      score: z.number(),
      utility: z.number(),
      summary: z.string(),
      why: z.object({ matchedTerms: z.array(z.string()), method: z.string() }),
    }),
  ),
});

const getItemInput = z.object({
  id: z.string().min(1).max(400).describe('<kind>/<name>, <kind>/<name>@<version>, or a lamarck:// resource URI.'),
  version: z.number().int().min(1).optional().describe('A version number (instead of @<version> in the id).'),
});
const getItemOutput = z.object({
  id: z.string(),
  uri: z.string(),
  kind: kindSchema,
  name: z.string(),
  artifactId: z.string(),
  status: z.enum(['candidate', 'active', 'retired']),
  version: z.number().int(),
  versionId: z.string(),
  headVersion: z.number().int(),
  utility: z.number(),
  uses: z.number().int(),
  successes: z.number().int(),
  lastModified: z.string(),
  message: z.string(),
  evaluation: z.record(z.string(), z.unknown()),
  content: z.record(z.string(), z.unknown()),
  files: z.record(z.string(), z.string()),
});

const knowledgeInput = z.object({
  task: z.string().min(1).max(20_000).describe('The task an agent is about to attempt.'),
  tokenBudget: z.number().int().min(1).max(100_000).optional().describe('Token cap for skills and lessons (default: the configured learn.tokenBudget).'),
});
const knowledgeOutput = z.object({
  task: z.string(),
  tokenBudget: z.number().int(),
  tokensInjected: z.number().int(),
  skills: z.array(z.object({ name: z.string(), uri: z.string(), description: z.string() })),
  lessons: z.array(z.object({ name: z.string(), uri: z.string(), text: z.string() })),
  guardrails: z.array(z.object({ name: z.string(), uri: z.string(), rule: z.string() })),
  tools: z.array(z.object({ name: z.string(), uri: z.string(), toolName: z.string(), description: z.string() })),
});

export function registerReadTools(server: McpServer, shared: McpSharedOptions): void {
  server.registerTool(
    'search_library',
    {
      title: 'Search the library',
      description: 'Ranked skills, lessons, guardrails, tools and prompts for a query, with scores and the terms each matched on.',
      inputSchema: searchInput,
      outputSchema: searchOutput,
      annotations: { title: 'Search the library', ...readOnlyAnnotations },
    },
    async ({ query, kinds, k }) =>
      guarded(async () => {
        const index = shared.view.index;
        const results = await index.search(query, { limit: k, ...definedOnly({ kinds }) });
        const queryTerms = new Set(tokenize(query));
        const items = results.map((result, position) => {
          const entry = result.entry;
          const address = { kind: entry.kind, name: entry.name };
          const itemTerms = new Set(tokenize(searchableText(entry.kind, entry.name, entry.content)));
          return {
            id: itemId(address),
            uri: itemUri(address),
            kind: entry.kind,
            name: entry.name,
            version: entry.version.number,
            rank: position + 1,
            score: result.score,
            utility: entry.utility,
            summary: result.text,
            why: { matchedTerms: [...queryTerms].filter((term) => itemTerms.has(term)), method: index.hybrid ? 'bm25+vectors' : 'bm25' },
          };
        });
        const links = items.map((item) => ({ type: 'resource_link' as const, uri: item.uri, name: item.id, description: item.summary }));
        return structuredResult({ query, retrieval: index.hybrid ? 'bm25+vectors' : 'bm25', items }, links);
      }),
  );

  server.registerTool(
    'get_item',
    {
      title: 'Get a library item',
      description: 'A skill, lesson, guardrail, tool or prompt by id (<kind>/<name>) or version (<kind>/<name>@<version>), with its files.',
      inputSchema: getItemInput,
      outputSchema: getItemOutput,
      annotations: { title: 'Get a library item', ...readOnlyAnnotations },
    },
    async ({ id, version }) =>
      guarded(async () => {
        const address = parseItemAddress(id);
        const item = await readItem(shared.view.library, version === undefined ? address : { ...address, version });
        return structuredResult({ ...item }, [{ type: 'resource_link', uri: item.uri, name: item.id }]);
      }),
  );

  server.registerTool(
    'knowledge_for_task',
    {
      title: 'Knowledge for a task',
      description: 'What `lamarck run` would inject for this task: retrieved skills and lessons within the token budget, every active guardrail, and the synthesized tools.',
      inputSchema: knowledgeInput,
      outputSchema: knowledgeOutput,
      annotations: { title: 'Knowledge for a task', ...readOnlyAnnotations },
    },
    async ({ task, tokenBudget }) =>
      guarded(async () => {
        const budget = tokenBudget ?? shared.tokenBudget;
        const knowledge = new LibraryKnowledge({ index: shared.view.index, task, tokenBudget: budget, maxItems: shared.maxItems });
        const skills = await knowledge.skills();
        const lessons = await knowledge.lessons(task, shared.maxItems);
        const lessonNames = new Map(knowledge.injected.map((item) => [item.artifactId, item.name]));
        const index = shared.view.index;
        return structuredResult({
          task,
          tokenBudget: budget,
          tokensInjected: knowledge.tokensInjected,
          skills: skills.map((skill) => ({ name: skill.name, uri: itemUri({ kind: 'skill', name: skill.name }), description: skill.description })),
          lessons: lessons.map((lesson) => {
            const name = lessonNames.get(lesson.id) ?? lesson.id;
            return { name, uri: itemUri({ kind: 'lesson', name }), text: lesson.text };
          }),
          guardrails: index.active('guardrail').map((entry) => {
            const rule = entry.content as GuardrailContent;
            return { name: entry.name, uri: itemUri({ kind: 'guardrail', name: entry.name }), rule: `When ${rule.condition}, do not ${rule.action}: ${rule.why}` };
          }),
          tools: index.active('tool').map((entry) => {
            const tool = entry.content as ToolContent;
            return { name: entry.name, uri: itemUri({ kind: 'tool', name: entry.name }), toolName: tool.manifest.name, description: tool.manifest.description };
          }),
        });
      }),
  );
}
