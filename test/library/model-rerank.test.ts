import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { LibraryKnowledge } from '../../src/learn/library-knowledge.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { configuredRerank } from '../../src/library/retrieval/retrieval-config.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { createScriptedModel } from '../../src/testing/scripted-model.ts';
import { skill } from './support.ts';

async function datesLibrary(): Promise<Library> {
  const library = new Library({ store: createMemoryStore() });
  await library.add('skill', 'parse-dates', skill('Parse date strings into date values. Use when dates arrive as text.'));
  await library.add('skill', 'format-dates', skill('Format date values as text for display. Use when a date must be shown to people.'));
  await library.add('skill', 'resize-images', skill('Resize images to smaller sizes. Use when pictures are too large.'));
  return library;
}

const task = 'dates arrive as text and must be shown to people in their locale';

describe('model re-rank (opt-in)', () => {
  it('reorders the top hits as the model ranks them, keeping the scores in falling order', async () => {
    const library = await datesLibrary();
    const model = createScriptedModel({ replies: [{ object: { order: [2, 1] } }] });
    const index = new LibraryIndex({ rerank: { model, candidates: 2 } });
    await index.sync(library);
    const lexical = (await index.search(task, { kinds: ['skill'] })).map((hit) => hit.entry.name);
    expect(lexical.slice(0, 2).sort()).toEqual(['format-dates', 'parse-dates']);
    const reranked = await index.search(task, { kinds: ['skill'], rerank: true });
    expect(reranked.map((hit) => hit.entry.name)).toEqual([lexical[1], lexical[0], ...lexical.slice(2)]);
    expect(reranked[0]!.score).toBeGreaterThanOrEqual(reranked[1]!.score);
    // The model saw the task and the two candidates as data, numbered.
    const [call] = model.calls;
    expect(call!.lastUserText).toContain(`<task>\n${task}\n</task>`);
    expect(call!.lastUserText).toContain('<candidate number="1">');
    expect(call!.lastUserText).toContain('<candidate number="2">');
    expect(call!.lastUserText).not.toContain('<candidate number="3">');
    model.verify();
  });

  it('keeps the lexical order, and says why, when the reply is unusable; never calls the model unless asked', async () => {
    const library = await datesLibrary();
    // Twice malformed: the client's one repair attempt fails too.
    const model = createScriptedModel({ replies: ['not json', 'still not json', { object: { order: [7, 9] } }] });
    const reasons: string[] = [];
    const index = new LibraryIndex({ rerank: { model, onKeptLexicalOrder: (reason) => reasons.push(reason) } });
    await index.sync(library);
    const lexical = (await index.search(task, { kinds: ['skill'] })).map((hit) => hit.entry.name);
    expect(model.calls).toHaveLength(0);
    expect((await index.search(task, { kinds: ['skill'], rerank: true })).map((hit) => hit.entry.name)).toEqual(lexical);
    expect((await index.search(task, { kinds: ['skill'], rerank: true })).map((hit) => hit.entry.name)).toEqual(lexical);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/^the re-rank model failed: /);
    expect(reasons[1]).toBe('the re-rank model named no candidate');
    model.verify();
  });
});

describe('retrieval.rerank in the configuration (what lamarck learn and lamarck run retrieve with)', () => {
  it('is off unless enabled, takes the first configured model or the one named, and names a bad field', () => {
    const models = ['openai-compatible:http://127.0.0.1:9/v1#first'];
    expect(configuredRerank(parseConfig({ models }))).toBeUndefined();
    expect(configuredRerank(parseConfig({ models, retrieval: { rerank: { enabled: false, topK: 3 } } }))).toBeUndefined();
    const fromModels = configuredRerank(parseConfig({ models, retrieval: { rerank: { enabled: true } } }))!;
    expect(fromModels.model.spec).toContain('first');
    expect(fromModels.candidates).toBe(5);
    const named = configuredRerank(parseConfig({ models, retrieval: { rerank: { enabled: true, model: 'openai-compatible:http://127.0.0.1:9/v1#ranker', topK: 3 } } }))!;
    expect(named.model.spec).toContain('ranker');
    expect(named.candidates).toBe(3);
    const field = (raw: unknown): string => {
      try {
        configuredRerank(parseConfig(raw));
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).field;
      }
      throw new Error('expected a ConfigError');
    };
    expect(field({ models, retrieval: { rerank: { enabled: true, topK: 1 } } })).toBe('retrieval.rerank.topK');
    expect(field({ models, retrieval: { rerank: { enabled: 'yes' } } })).toBe('retrieval.rerank.enabled');
    expect(field({ models, retrieval: { rerank: { enable: true } } })).toMatch(/^retrieval\.rerank/);
    expect(field({ models, retrieval: { rerank: { enabled: true, model: 'no-such-provider:x' } } })).toBe('retrieval.rerank.model');
    expect(field({ retrieval: { rerank: { enabled: true } } })).toBe('retrieval.rerank.model');
    expect(field({ models, retrieval: 3 })).toBe('retrieval');
  });

  it("reorders what a task's knowledge selects, and keeps the lexical order when the reply is unusable", async () => {
    const library = await datesLibrary();
    const lexicalIndex = new LibraryIndex();
    await lexicalIndex.sync(library);
    const knowledge = (index: LibraryIndex): LibraryKnowledge => new LibraryKnowledge({ index, task, tokenBudget: 1000, maxItems: 3 });
    const lexical = (await knowledge(lexicalIndex).skills()).map((skill) => skill.name);
    expect(lexical.length).toBeGreaterThanOrEqual(2);

    const model = createScriptedModel({ replies: [{ object: { order: [2, 1] } }, 'not json', 'still not json'] });
    const reasons: string[] = [];
    const index = new LibraryIndex({ rerank: { model, candidates: 2, onKeptLexicalOrder: (reason) => reasons.push(reason) } });
    await index.sync(library);
    expect((await knowledge(index).skills()).map((skill) => skill.name)).toEqual([lexical[1], lexical[0], ...lexical.slice(2)]);
    expect(reasons).toEqual([]);
    expect((await knowledge(index).skills()).map((skill) => skill.name)).toEqual(lexical);
    expect(reasons).toHaveLength(1);
    model.verify();
  });
});
