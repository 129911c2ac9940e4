import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../library/support.ts';
import { connectStdio, hostileText, seedProject, type SeededProject } from './support.ts';

describe('lamarck mcp over stdio (the SDK client spawning the real CLI)', () => {
  let project: SeededProject;
  let client: Client;

  beforeAll(async () => {
    project = await seedProject();
    client = await connectStdio(project.path);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    project?.remove();
  });

  it('lists its tools with input and output schemas and honest annotations', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    for (const name of ['search_library', 'get_item', 'knowledge_for_task']) {
      const tool = byName.get(name);
      expect(tool, name).toBeDefined();
      expect(tool!.outputSchema).toMatchObject({ type: 'object' });
      expect(tool!.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    }
    expect(byName.get('search_library')!.inputSchema).toMatchObject({ required: ['query'] });
  });

  it('searches the library: ranked items with ids, scores and the terms they matched', async () => {
    const result = await client.callTool({ name: 'search_library', arguments: { query: 'sum the columns of a csv file', k: 3 } });
    expect(result.isError).toBeFalsy();
    const output = result.structuredContent as { items: { id: string; score: number; rank: number; why: { matchedTerms: string[] } }[] };
    expect(output.items[0]).toMatchObject({ id: 'skill/csv-column-sums', rank: 1 });
    expect(output.items[0]!.score).toBeGreaterThan(0);
    expect(output.items[0]!.why.matchedTerms).toEqual(expect.arrayContaining(['csv', 'column']));
    expect((result.content as { type: string; uri?: string }[]).some((block) => block.type === 'resource_link' && block.uri === 'lamarck://skills/csv-column-sums')).toBe(true);
    const lessonsOnly = await client.callTool({ name: 'search_library', arguments: { query: 'csv celsius', kinds: ['lesson'] } });
    expect((lessonsOnly.structuredContent as { items: { kind: string }[] }).items.every((item) => item.kind === 'lesson')).toBe(true);
  });

  it('gets an item by id and by version, with its files', async () => {
    const head = await client.callTool({ name: 'get_item', arguments: { id: 'skill/csv-column-sums' } });
    expect(head.structuredContent).toMatchObject({ version: 2, headVersion: 2, status: 'active', kind: 'skill' });
    const files = (head.structuredContent as { files: Record<string, string> }).files;
    expect(files['SKILL.md']).toContain('skipping blanks');
    expect(files['references/FORMAT.md']).toBe('Columns are comma separated.\n');
    const first = await client.callTool({ name: 'get_item', arguments: { id: 'skill/csv-column-sums@1' } });
    expect(first.structuredContent).toMatchObject({ version: 1, headVersion: 2 });
    expect((first.structuredContent as { files: Record<string, string> }).files['SKILL.md']).not.toContain('skipping blanks');
    const byField = await client.callTool({ name: 'get_item', arguments: { id: 'lamarck://skills/csv-column-sums', version: 1 } });
    expect(byField.structuredContent).toMatchObject({ version: 1 });
  });

  it('answers bad ids and unknown items with isError results, and keeps serving', async () => {
    const missing = await client.callTool({ name: 'get_item', arguments: { id: 'skill/no-such-skill' } });
    expect(missing.isError).toBe(true);
    expect(JSON.stringify(missing.content)).toContain('not-found');
    const badKind = await client.callTool({ name: 'get_item', arguments: { id: 'spell/x' } });
    expect(badKind.isError).toBe(true);
    expect(JSON.stringify(badKind.content)).toContain('unknown kind');
    const badVersion = await client.callTool({ name: 'get_item', arguments: { id: 'skill/csv-column-sums@9' } });
    expect(badVersion.isError).toBe(true);
    const badInput = await client.callTool({ name: 'search_library', arguments: { query: 42 } });
    expect(badInput.isError).toBe(true);
    expect(await client.ping()).toBeDefined();
  });

  it('returns what lamarck run would inject for a task', async () => {
    const result = await client.callTool({ name: 'knowledge_for_task', arguments: { task: 'Convert 50 degrees fahrenheit to celsius.' } });
    const output = result.structuredContent as { lessons: { name: string; text: string }[]; guardrails: { name: string }[]; tools: { toolName: string }[]; tokensInjected: number; tokenBudget: number };
    expect(output.lessons.map((lesson) => lesson.name)).toContain('fahrenheit-to-celsius');
    expect(output.guardrails.map((guardrail) => guardrail.name)).toEqual(['no-rm-rf']);
    expect(output.tools.map((tool) => tool.toolName)).toEqual(['word_count']);
    expect(output.tokenBudget).toBe(1200);
    expect(output.tokensInjected).toBeGreaterThan(0);
    expect(output.tokensInjected).toBeLessThanOrEqual(1200);
    const tiny = await client.callTool({ name: 'knowledge_for_task', arguments: { task: 'Convert 50 degrees fahrenheit to celsius.', tokenBudget: 1 } });
    expect((tiny.structuredContent as { tokensInjected: number }).tokensInjected).toBeLessThanOrEqual(1);
  });

  it('serves every item as a resource through URI templates, with lastModified and a priority from utility', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    const templates = resourceTemplates.map((template) => template.uriTemplate);
    expect(templates).toEqual(expect.arrayContaining(['lamarck://skills/{name}', 'lamarck://skills/{name}@{version}', 'lamarck://lessons/{name}', 'lamarck://guardrails/{name}', 'lamarck://tools/{name}@{version}']));
    const { resources } = await client.listResources();
    const skillResource = resources.find((resource) => resource.uri === 'lamarck://skills/csv-column-sums');
    expect(skillResource?.annotations?.priority).toBe(0.5);
    expect(Date.parse(skillResource!.annotations!.lastModified!)).toBeGreaterThan(0);
    expect(resources.map((resource) => resource.uri)).toEqual(expect.arrayContaining(['lamarck://lessons/fahrenheit-to-celsius', 'lamarck://guardrails/no-rm-rf', 'lamarck://tools/word-count']));

    const head = await client.readResource({ uri: 'lamarck://skills/csv-column-sums' });
    expect(head.contents[0]).toMatchObject({ uri: 'lamarck://skills/csv-column-sums', mimeType: 'text/markdown' });
    expect((head.contents[0] as { text: string }).text).toMatch(/^---\nname: csv-column-sums\n/);
    expect(head.contents.map((content) => content.uri)).toContain('lamarck://skills/csv-column-sums/references/FORMAT.md');
    const first = await client.readResource({ uri: 'lamarck://skills/csv-column-sums@1' });
    expect((first.contents[0] as { text: string }).text).not.toContain('skipping blanks');
    const tool = await client.readResource({ uri: 'lamarck://tools/word-count' });
    expect(tool.contents.map((content) => content.uri)).toEqual(['lamarck://tools/word-count', 'lamarck://tools/word-count/index.js', 'lamarck://tools/word-count/tests.json']);
    await expect(client.readResource({ uri: 'lamarck://lessons/no-such-lesson' })).rejects.toThrow(/not found/);
  });

  it('returns hostile item text as data, byte for byte', async () => {
    const result = await client.callTool({ name: 'get_item', arguments: { id: 'lesson/hostile-note' } });
    expect((result.structuredContent as { content: { text: string } }).content.text).toBe(hostileText);
    const resource = await client.readResource({ uri: 'lamarck://lessons/hostile-note' });
    expect((resource.contents[0] as { text: string }).text).toContain(hostileText.split('\\')[0]!);
  });

  it('offers a playbook prompt built from the retrieved skills and lessons', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toContain('playbook');
    const prompt = await client.getPrompt({ name: 'playbook', arguments: { task: 'Sum the columns of this csv file' } });
    const text = (prompt.messages[0]!.content as { text: string }).text;
    expect(text).toContain('# Task\n\nSum the columns of this csv file');
    expect(text).toContain('PELICAN');
    expect(text).toContain('do not run rm -rf on the root');
    expect(prompt.messages.some((message) => (message.content as { type: string; uri?: string }).uri === 'lamarck://skills/csv-column-sums')).toBe(true);
  });
});

describe('lamarck mcp --store', () => {
  it('serves the store it is given, from any directory', async () => {
    const project = await seedProject();
    const elsewhere = temporaryDirectory('lamarck-mcp-elsewhere-');
    const client = await connectStdio(elsewhere.path, ['--store', project.storePath]);
    try {
      const result = await client.callTool({ name: 'get_item', arguments: { id: 'lesson/fahrenheit-to-celsius' } });
      expect(result.structuredContent).toMatchObject({ name: 'fahrenheit-to-celsius', version: 1 });
    } finally {
      await client.close();
      elsewhere.remove();
      project.remove();
    }
  });
});
