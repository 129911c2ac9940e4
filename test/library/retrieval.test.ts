import { describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.ts';
import { Library } from '../../src/library/library.ts';
import { selectAdaptively, type RankedItem } from '../../src/library/retrieval/adaptive-selection.ts';
import { Bm25Index } from '../../src/library/retrieval/bm25-index.ts';
import { normalizedScoreFusion, reciprocalRankFusion } from '../../src/library/retrieval/fusion.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { stem, tokenize } from '../../src/library/retrieval/tokenize.ts';
import { createHashEmbeddingModel } from '../../src/testing/hash-embedding.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { lesson, skill } from './support.ts';

describe('tokenize', () => {
  it('drops stop words and folds simple inflections together', () => {
    expect(tokenize('The tests are failing because the test failed')).toEqual(['test', 'fail', 'becaus', 'test', 'fail']);
    expect(new Set(['parse', 'parses', 'parsing', 'parsed'].map(stem))).toEqual(new Set(['pars']));
    expect(new Set(['file', 'files', 'filing'].map(stem))).toEqual(new Set(['fil']));
    expect(new Set(['fix', 'fixes', 'fixed', 'fixing'].map(stem))).toEqual(new Set(['fix']));
    expect(stem('classes')).toBe('class');
    expect(stem('stopped')).toBe('stop');
    expect(stem('status')).toBe('status');
  });
});

describe('Bm25Index', () => {
  it('ranks by term rarity and frequency, and updates incrementally', () => {
    const index = new Bm25Index();
    index.add('a', 'parse the csv file with quoted fields');
    index.add('b', 'parse json output from the model');
    index.add('c', 'convert temperature units between celsius and fahrenheit');
    expect(index.search('csv quoted').map((hit) => hit.id)).toEqual(['a']);
    expect(index.search('parse').map((hit) => hit.id).sort()).toEqual(['a', 'b']);
    index.add('a', 'nothing relevant anymore');
    expect(index.search('csv').map((hit) => hit.id)).toEqual([]);
    expect(index.remove('b')).toBe(true);
    expect(index.search('parse json')).toEqual([]);
    index.add('d', 'json json json schema');
    expect(index.size).toBe(3);
    expect(index.search('json').map((hit) => hit.id)).toEqual(['d']);
  });

  it('returns the same top results as a brute-force scan', () => {
    const random = new Random(7);
    const vocabulary = Array.from({ length: 300 }, (_, index) => `word${index}`);
    const index = new Bm25Index();
    const documents = new Map<string, string[]>();
    for (let document = 0; document < 500; document += 1) {
      const words = Array.from({ length: 5 + random.integer(20) }, () => vocabulary[random.integer(vocabulary.length)]!);
      documents.set(`d${document}`, words);
      index.add(`d${document}`, words.join(' '));
    }
    for (let removed = 0; removed < 50; removed += 1) {
      index.remove(`d${removed * 3}`);
      documents.delete(`d${removed * 3}`);
    }
    const query = 'word1 word2 word3 word250';
    const bruteForce = bruteForceBm25(documents, query.split(' '));
    expect(index.search(query, { limit: 10 }).map((hit) => hit.id)).toEqual(bruteForce.slice(0, 10).map((hit) => hit.id));
    expect(index.search(query, { limit: 10 })[0]!.score).toBeCloseTo(bruteForce[0]!.score, 9);
  });

  it('lets a very common term rank documents a rarer term found, without bringing in its own', () => {
    const index = new Bm25Index();
    for (let document = 0; document < 1500; document += 1) {
      index.add(`d${document}`, document < 3 ? `everywhere rare${document % 2} everywhere` : 'everywhere filler');
    }
    // d0 and d2 have "rare0"; the common term adds to their scores but no "filler" document appears.
    expect(index.search('rare0 everywhere', { limit: 10 }).map((hit) => hit.id).sort()).toEqual(['d0', 'd2']);
    expect(index.search('everywhere', { limit: 3 })).toHaveLength(3);
    // With the cut-off disabled, every document containing the common term is a candidate.
    const exact = new Bm25Index({ commonTermFraction: 1 });
    for (let document = 0; document < 1500; document += 1) exact.add(`d${document}`, document < 3 ? `everywhere rare${document % 2} everywhere` : 'everywhere filler');
    expect(exact.search('rare0 everywhere', { limit: 10 })).toHaveLength(10);
  });

  it('applies the accept filter before taking the top', () => {
    const index = new Bm25Index();
    for (let document = 0; document < 20; document += 1) index.add(`d${document}`, 'shared term');
    expect(index.search('shared', { limit: 3, accept: (id) => id === 'd17' }).map((hit) => hit.id)).toEqual(['d17']);
  });
});

function bruteForceBm25(documents: Map<string, string[]>, query: string[]): { id: string; score: number }[] {
  const count = documents.size;
  const average = [...documents.values()].reduce((sum, words) => sum + words.length, 0) / count;
  const scores: { id: string; score: number }[] = [];
  for (const [id, words] of documents) {
    let score = 0;
    for (const term of new Set(query)) {
      const frequency = words.filter((word) => word === term).length;
      if (frequency === 0) continue;
      const df = [...documents.values()].filter((other) => other.includes(term)).length;
      const idf = Math.log(1 + (count - df + 0.5) / (df + 0.5));
      score += (idf * frequency * 2.2) / (frequency + 1.2 * (0.25 + (0.75 * words.length) / average));
    }
    if (score > 0) scores.push({ id, score });
  }
  return scores.sort((a, b) => b.score - a.score);
}

describe('adaptive selection', () => {
  const ranked = (scores: number[], tokens = 10): RankedItem[] => scores.map((score, index) => ({ id: `i${index}`, score, tokens }));

  it('takes few items behind a sharp top match and more from a flat ranking', () => {
    const sharp = selectAdaptively(ranked([10, 2, 1.9, 1.8, 1.7]), { tokenBudget: 1000 });
    const flat = selectAdaptively(ranked([10, 9.5, 9.2, 9, 8.8, 8.5]), { tokenBudget: 1000 });
    expect(sharp.items.map((item) => item.id)).toEqual(['i0']);
    expect(sharp.cutoff).toBe('floor');
    expect(flat.items).toHaveLength(6);
  });

  it('ends at a large gap even above the floor', () => {
    const selection = selectAdaptively(ranked([10, 9, 4.2, 4.1]), { tokenBudget: 1000, relativeFloor: 0.2 });
    expect(selection.items.map((item) => item.id)).toEqual(['i0', 'i1']);
    expect(selection.cutoff).toBe('gap');
  });

  it('never exceeds the token budget, skipping items that do not fit', () => {
    const random = new Random(3);
    for (let trial = 0; trial < 200; trial += 1) {
      const items = Array.from({ length: 12 }, (_, index) => ({ id: `i${index}`, score: 10 - index * random.next() * 0.3, tokens: 1 + random.integer(80) }));
      const budget = random.integer(200);
      const selection = selectAdaptively(items, { tokenBudget: budget, maxItems: 10 });
      const used = selection.items.reduce((sum, item) => sum + item.tokens, 0);
      expect(used).toBe(selection.tokens);
      expect(used).toBeLessThanOrEqual(budget);
    }
    const skipped = selectAdaptively([{ id: 'big', score: 10, tokens: 500 }, { id: 'small', score: 9, tokens: 5 }], { tokenBudget: 100 });
    expect(skipped.items.map((item) => item.id)).toEqual(['small']);
  });

  it('returns nothing when nothing scores', () => {
    expect(selectAdaptively(ranked([0, 0]), { tokenBudget: 100 }).items).toEqual([]);
  });
});

describe('fusion', () => {
  it('reciprocal-rank favours items both lists rank well', () => {
    const fused = reciprocalRankFusion([
      [{ id: 'a', score: 9 }, { id: 'b', score: 8 }],
      [{ id: 'b', score: 0.9 }, { id: 'c', score: 0.8 }],
    ]);
    expect(fused[0]!.id).toBe('b');
  });

  it('normalized-score keeps the margin of a clear winner', () => {
    const fused = normalizedScoreFusion([
      [{ id: 'a', score: 10 }, { id: 'b', score: 1 }],
      [{ id: 'a', score: 0.9 }, { id: 'b', score: 0.2 }],
    ]);
    expect(fused.map((item) => item.id)).toEqual(['a', 'b']);
    expect(fused[0]!.score).toBeCloseTo(2);
    expect(fused[1]!.score).toBeCloseTo(0.1 + 0.2 / 0.9);
  });
});

describe('LibraryIndex', () => {
  async function seeded(): Promise<Library> {
    const library = new Library({ store: createMemoryStore() });
    await library.add('lesson', 'csv-quotes', lesson('When parsing CSV files, handle quoted fields that contain commas.'));
    await library.add('lesson', 'units', lesson('Convert temperatures to celsius before comparing them.'));
    await library.add('skill', 'json-output', skill('Produce strict JSON output. Use when a task asks for JSON.'));
    await library.add('lesson', 'retired-csv', lesson('Old CSV advice.'), { status: 'retired' });
    await library.add('lesson', 'candidate-csv', lesson('Untested CSV advice.'), { status: 'candidate' });
    return library;
  }

  it('finds active entries of the asked kinds and keeps up with changes from another writer', async () => {
    const library = await seeded();
    const index = new LibraryIndex();
    expect(await index.sync(library)).toBe(5);
    const hits = await index.search('parse a CSV file with quoted values', { kinds: ['lesson'] });
    expect(hits.map((hit) => hit.entry.name)).toEqual(['csv-quotes']);
    expect(hits[0]!.text).toContain('handle quoted fields');
    expect((await index.search('csv', { statuses: ['active', 'candidate'] })).map((hit) => hit.entry.name).sort()).toEqual([
      'candidate-csv',
      'csv-quotes',
    ]);
    // Another library object (another process) changes the store; sync picks it up.
    const other = new Library({ store: library.store });
    await other.update('lesson', 'units', lesson('Convert temperatures and CSV units before comparing them.'));
    await other.retire('lesson', 'csv-quotes');
    expect(await index.sync(library)).toBe(1);
    expect((await index.search('csv')).map((hit) => hit.entry.name)).toEqual(['units']);
    await library.store.close();
  });

  it('tries an overlay on a private index and leaves the shared one as it was', async () => {
    const library = await seeded();
    const index = new LibraryIndex();
    await index.sync(library);
    const scratch = new Library({ store: createMemoryStore() });
    await scratch.add('lesson', 'csv-delimiters', lesson('Detect the delimiter of a CSV file before parsing it.'));
    const proposed = new LibraryIndex();
    await proposed.sync(scratch);
    const csvQuotes = index.entries().find((entry) => entry.name === 'csv-quotes')!.artifact.id;
    const names = async (searched: LibraryIndex): Promise<string[]> => (await searched.search('csv file delimiter quoted')).map((hit) => hit.entry.name);
    const before = await names(index);
    expect(before).toEqual(['csv-quotes']);

    const view = index.withOverlay({ entries: proposed.entries(), hide: [csvQuotes] });
    expect(await names(view)).toEqual(['csv-delimiters']);
    expect(view.active('lesson').map((entry) => entry.name).sort()).toEqual(['csv-delimiters', 'units']);
    // Everyone else searching the shared index meanwhile (another task, an MCP client) sees the
    // library as it is: before, the overlay was applied to the shared index in place.
    expect(await names(index)).toEqual(before);
    expect(index.active('lesson').map((entry) => entry.name).sort()).toEqual(['csv-quotes', 'units']);
    expect(index.size).toBe(5);

    // With vectors: the view embeds the overlay's entries and reuses the shared index's vectors.
    const hybrid = new LibraryIndex({ embedding: createHashEmbeddingModel() });
    await hybrid.sync(library);
    await hybrid.search('csv');
    const hybridView = hybrid.withOverlay({ entries: proposed.entries() });
    const delimiters = proposed.entries()[0]!.artifact.id;
    expect((await hybridView.search('delimiter of a csv file'))[0]!.entry.name).toBe('csv-delimiters');
    expect(await hybridView.vectorOf(delimiters)).toBeInstanceOf(Float32Array);
    expect(await hybridView.vectorOf(csvQuotes)).toBe(await hybrid.vectorOf(csvQuotes));
    expect(await hybrid.vectorOf(delimiters)).toBeUndefined();
    await library.store.close();
  });

  it('selects within the token budget with the adaptive count', async () => {
    const library = await seeded();
    const index = new LibraryIndex();
    await index.sync(library);
    const selection = await index.select('quoted CSV fields', { tokenBudget: 100 });
    expect(selection.items.map((item) => item.entry.name)).toEqual(['csv-quotes']);
    expect((await index.select('quoted CSV fields', { tokenBudget: 3 })).items).toEqual([]);
    await library.store.close();
  });

  it('fuses lexical and vector results when an embedding client is configured', async () => {
    const library = await seeded();
    const embedding = createHashEmbeddingModel();
    for (const fusion of ['reciprocal-rank', 'normalized-score'] as const) {
      const index = new LibraryIndex({ embedding, fusion });
      await index.sync(library);
      const hits = await index.search('temperatures celsius');
      expect(hits[0]!.entry.name).toBe('units');
      expect(await index.vectorOf(hits[0]!.id)).toBeInstanceOf(Float32Array);
    }
    await library.store.close();
  });
});
