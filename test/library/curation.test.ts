import { describe, expect, it } from 'vitest';
import { Curator } from '../../src/library/curate/curator.ts';
import { mergeContent } from '../../src/library/curate/merge-content.ts';
import { mergeThreshold } from '../../src/library/curate/merge-threshold.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { createHashEmbeddingModel } from '../../src/testing/hash-embedding.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { lesson } from './support.ts';

const topics = [
  'Convert temperatures to celsius before comparing values',
  'Quote CSV fields that contain commas or newlines',
  'Validate JSON output against the schema before answering',
  'Sort dates in ISO format as plain strings',
  'Escape regular expression metacharacters in user input',
  'Round currency amounts to two decimals only at the end',
  'Read the whole file before counting its lines',
  'Trim whitespace around every parsed token',
  'Use integer arithmetic for cents to avoid float drift',
  'Check array bounds before indexing in loops',
];

async function libraryWith(texts: readonly string[]): Promise<{ library: Library; index: LibraryIndex }> {
  const library = new Library({ store: createMemoryStore() });
  for (const [position, text] of texts.entries()) await library.add('lesson', `lesson-${position}`, lesson(text));
  const index = new LibraryIndex();
  await index.sync(library);
  return { library, index };
}

describe('merge threshold', () => {
  it('uses the fallback until the library has enough items, then a clamped percentile', () => {
    expect(mergeThreshold([0.1, 0.2])).toEqual({ value: 0.8, source: 'fallback', samples: 2 });
    const spread = Array.from({ length: 11 }, (_, index) => index / 10);
    expect(mergeThreshold(spread, { percentile: 0.9 }).value).toBeCloseTo(0.9);
    expect(mergeThreshold(spread.map(() => 0.1)).value).toBe(0.5);
    expect(mergeThreshold(spread.map(() => 0.99)).value).toBe(0.95);
  });
});

describe('Curator', () => {
  it('derives the threshold from the library and merges a near-duplicate but adds a new idea', async () => {
    const { library, index } = await libraryWith(topics);
    const curator = new Curator(index);
    const threshold = await curator.threshold('lesson');
    expect(threshold.source).toBe('distribution');
    expect(threshold.value).toBeGreaterThanOrEqual(0.5);

    const duplicate = lesson('Convert temperatures to celsius before comparing the values');
    const placedDuplicate = await curator.place('lesson', 'celsius-again', duplicate);
    expect(placedDuplicate.action).toBe('merge');
    expect(placedDuplicate.action === 'merge' && placedDuplicate.target.name).toBe('lesson-0');
    expect(placedDuplicate.action === 'merge' && placedDuplicate.similarity).toBeGreaterThanOrEqual(threshold.value);

    const fresh = lesson('Retry network requests with exponential backoff and jitter');
    const placedFresh = await curator.place('lesson', 'backoff', fresh);
    expect(placedFresh.action).toBe('add');

    expect((await curator.place('lesson', 'lesson-3', fresh)).action).toBe('update');
    await library.store.close();
  });

  it('compares with the terms retrieval ranks by: how a task is phrased does not make a restatement look new', async () => {
    const { library, index } = await libraryWith(topics);
    const curator = new Curator(index);
    const plain = await curator.nearest('lesson', 'Quote CSV fields that contain commas or newlines');
    const phrased = await curator.nearest('lesson', 'Please, I really need to be quoting the CSV fields that contained commas or newlines');
    expect(plain[0]?.entry.name).toBe('lesson-1');
    expect(phrased[0]?.entry.name).toBe('lesson-1');
    // Task-register words ("please", "need", "really") are stop words and "quoting"/"contained" stem
    // to the entry's own terms, so the two phrasings are equally close.
    expect(phrased[0]!.similarity).toBeCloseTo(plain[0]!.similarity, 9);
    await library.store.close();
  });

  it('moves the merge decision with the threshold: a looser policy merges what a strict one adds', async () => {
    const { library, index } = await libraryWith(topics);
    const proposal = lesson('Compare values only after converting temperatures');
    const strict = new Curator(index, { threshold: { percentile: 1, minimum: 0.95 } });
    const loose = new Curator(index, { threshold: { percentile: 0, minimum: 0, maximum: 0.2 } });
    expect((await strict.place('lesson', 'p', proposal)).action).toBe('add');
    expect((await loose.place('lesson', 'p', proposal)).action).toBe('merge');
    await library.store.close();
  });

  it('works with embeddings as the similarity measure', async () => {
    const library = new Library({ store: createMemoryStore() });
    for (const [position, text] of topics.entries()) await library.add('lesson', `lesson-${position}`, lesson(text));
    const embedding = createHashEmbeddingModel();
    const index = new LibraryIndex({ embedding });
    await index.sync(library);
    const embed = async (text: string) => (await embedding.embed([text])).embeddings[0]!;
    const curator = new Curator(index, {}, embed);
    const placed = await curator.place('lesson', 'x', lesson('Quote CSV fields that contain commas or newlines always'));
    expect(placed.action === 'merge' && placed.target.name).toBe('lesson-1');
    await library.store.close();
  });

  it('retires low-utility artifacts only after enough uses', async () => {
    const { library, index } = await libraryWith(topics.slice(0, 3));
    // lesson-0: 4 failures (utility 1/6 but too few uses); lesson-1: 5 failures; lesson-2: 5 successes.
    for (let use = 0; use < 4; use += 1) await library.recordUse('lesson', 'lesson-0', { success: false });
    for (let use = 0; use < 5; use += 1) await library.recordUse('lesson', 'lesson-1', { success: false });
    for (let use = 0; use < 5; use += 1) await library.recordUse('lesson', 'lesson-2', { success: true });
    await index.sync(library);
    const curator = new Curator(index, { retireAfterUses: 5, retireBelowUtility: 0.3 });
    const retired = await curator.maintain(library);
    expect(retired.map((retirement) => [retirement.entry.name, retirement.reason])).toEqual([['lesson-1', 'low-utility']]);
    expect((await library.require('lesson', 'lesson-1')).status).toBe('retired');
    expect((await library.require('lesson', 'lesson-0')).status).toBe('active');
    await library.store.close();
  });

  it('keeps each kind within its size budget by retiring the least useful', async () => {
    const { library, index } = await libraryWith(topics.slice(0, 5));
    await library.recordUse('lesson', 'lesson-0', { success: true });
    await library.recordUse('lesson', 'lesson-1', { success: false });
    await library.recordUse('lesson', 'lesson-2', { success: true });
    await index.sync(library);
    const curator = new Curator(index, { maxLivePerKind: 3 });
    const retired = await curator.maintain(library);
    // lesson-1 has the lowest utility (1/3); lessons 3 and 4 are unused (1/2), 3 is older.
    expect(retired.map((retirement) => retirement.entry.name)).toEqual(['lesson-1', 'lesson-3']);
    expect((await library.list({ kind: 'lesson', status: 'active' })).map((entry) => entry.name)).toEqual(['lesson-0', 'lesson-2', 'lesson-4']);
    await library.store.close();
  });
});

describe('mergeContent', () => {
  it('keeps the target, appends what is new once, and is idempotent', () => {
    const target = lesson('Check units.', { tags: ['units'] });
    const incoming = lesson('Convert to SI first.', { tags: ['si', 'units'] });
    const merged = mergeContent('lesson', target, incoming);
    expect(merged.text).toBe('Check units. Convert to SI first.');
    expect(merged.tags).toEqual(['units', 'si']);
    expect(mergeContent('lesson', merged, incoming)).toEqual(merged);
  });
});
