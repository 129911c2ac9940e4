import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/run-agent.ts';
import { ToolIndex, tokenize } from '../../src/agent/tool-index.ts';
import { ToolRegistry } from '../../src/agent/tool-registry.ts';
import { createScriptedModel } from '../../src/testing/index.ts';
import { customTool } from './helpers.ts';

const topics = ['weather', 'stock', 'calendar', 'email', 'invoice', 'translate', 'geocode', 'currency', 'flight', 'recipe'];
const verbs = ['get', 'list', 'create', 'delete', 'update', 'search', 'summarize', 'convert', 'validate', 'export'];

function manyTools(count: number) {
  return Array.from({ length: count }, (_, index) => {
    const topic = topics[index % topics.length]!;
    const verb = verbs[Math.floor(index / topics.length) % verbs.length]!;
    return customTool(`${verb}_${topic}_${index}`, `${verb} ${topic} records in system ${index}`, () => 'ok', {
      [`${topic}Id`]: { type: 'string', description: `identifier of the ${topic}` },
    });
  });
}

describe('tool index', () => {
  it('tokenizes names in snake, kebab and camel case, dropping stop words', () => {
    expect(tokenize('readFile list-files get_weather_now')).toEqual(['read', 'file', 'list', 'file', 'get', 'weather', 'now']);
    expect(tokenize('the value of a string')).toEqual(['value']);
  });

  it('ranks the matching tool first among a thousand, by name, description and schema', () => {
    const index = new ToolIndex();
    for (const tool of manyTools(1000)) index.add(tool);
    index.add({
      name: 'ocr_image',
      description: 'Extract printed text from a scanned image',
      inputSchema: { type: 'object', properties: { imageUrl: { type: 'string', description: 'where the picture is' } } },
    });
    expect(index.size).toBe(1001);
    expect(index.search('extract the text from this scanned picture', 3)[0]!.name).toBe('ocr_image');
    const weatherHits = index.search('convert weather', 5);
    expect(weatherHits.every((hit) => hit.name.includes('weather') || hit.name.startsWith('convert'))).toBe(true);
    expect(weatherHits[0]!.name).toMatch(/^convert_weather_/);
    index.remove('ocr_image');
    expect(index.search('scanned picture', 3).map((hit) => hit.name)).not.toContain('ocr_image');
    expect(index.search('', 3)).toEqual([]);
  });

  it('offers pinned, discovered and the best-matching tools per step', () => {
    const registry = new ToolRegistry();
    for (const tool of manyTools(100)) registry.add(tool);
    registry.add({ ...customTool('final_answer', 'answer', () => ''), pinned: true });
    const offered = registry.select('delete an invoice', 4).map((tool) => tool.name);
    expect(offered[0]).toBe('final_answer');
    expect(offered).toHaveLength(5);
    expect(offered.slice(1).every((name) => name.includes('invoice') || name.startsWith('delete'))).toBe(true);
    registry.markDiscovered(['get_weather_0']);
    expect(registry.select('delete an invoice', 4).map((tool) => tool.name).slice(0, 2)).toEqual(['final_answer', 'get_weather_0']);
    // With few tools, everything is offered and retrieval is skipped.
    const small = new ToolRegistry();
    for (const tool of manyTools(3)) small.add(tool);
    expect(small.select('anything', 10)).toHaveLength(3);
  });

  it('lets the agent find a tool that was not offered with search_tools', async () => {
    const tools = manyTools(60);
    const ocr = customTool('ocr_image', 'Extract printed text from a scanned image', () => 'HELLO WORLD', { imageUrl: { type: 'string' } });
    const model = createScriptedModel({
      replies: [
        (request) => {
          expect(request.tools).not.toContain('ocr_image');
          expect(request.tools).toContain('search_tools');
          expect(request.tools.length).toBeLessThanOrEqual(3 + 5);
          expect(request.system).toContain('search_tools');
          return { toolCalls: [{ name: 'search_tools', input: { query: 'read text in an image' } }] };
        },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('ocr_image');
          expect(request.tools).toContain('ocr_image');
          return { toolCalls: [{ name: 'ocr_image', input: { imageUrl: 'scan.png' } }] };
        },
        { toolCalls: [{ name: 'final_answer', input: { answer: 'HELLO WORLD' } }] },
      ],
    });
    const result = await runAgent({ task: 'What does the flight booking say?', model, tools: [...tools, ocr], builtinTools: false, limits: { toolsPerStep: 5 } }).result;
    model.verify();
    expect(result.answer).toBe('HELLO WORLD');
    expect(ocr.calls).toEqual([{ imageUrl: 'scan.png' }]);
  });
});
