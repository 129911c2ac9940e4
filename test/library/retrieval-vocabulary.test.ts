import { describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.ts';
import { Library } from '../../src/library/library.ts';
import { LexicalDatabase } from '../../src/library/retrieval/lexical-database.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { programmingVocabulary, programmingVocabularyGroups } from '../../src/library/retrieval/programming-vocabulary.ts';
import type { RetrievalSettingsOverrides } from '../../src/library/retrieval/retrieval-settings.ts';
import { WordCompletions } from '../../src/library/retrieval/word-completions.ts';
import { conversionEnds, directionAgreement } from '../../src/library/retrieval/conversion-direction.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { skill } from './support.ts';

describe('WordCompletions', () => {
  it('completes a prefix to the shortest vocabulary words it begins, and nothing for a short or unknown prefix', () => {
    const completions = new WordCompletions();
    for (const word of ['certificate', 'certificates', 'certify', 'cert', 'repository', 'cer']) completions.add(word);
    expect(completions.complete('cert', 2)).toEqual(['certify', 'certificate']);
    expect(completions.complete('certi', 5)).toEqual(['certify', 'certificate', 'certificates']);
    expect(completions.complete('repo', 3)).toEqual(['repository']);
    expect(completions.complete('ce', 3)).toEqual([]);
    expect(completions.complete('xyzzy', 3)).toEqual([]);
    expect(completions.complete('cert', 0)).toEqual([]);
  });

  it('agrees with a scan of the vocabulary, whatever order words came in, and completes a prefix that begins too many words to nothing', () => {
    const random = new Random(7);
    const letters = 'abc';
    const vocabulary = Array.from({ length: 300 }, () => Array.from({ length: 4 + random.integer(5) }, () => letters[random.integer(letters.length)]).join(''));
    const completions = new WordCompletions({ maximumMatches: 1000 });
    for (const word of vocabulary) completions.add(word);
    const distinct = [...new Set(vocabulary)];
    for (const prefix of ['abc', 'abca', 'cab', 'bbbb', 'aaaaa']) {
      const expected = distinct
        .filter((word) => word.length > prefix.length && word.startsWith(prefix))
        .sort((first, second) => first.length - second.length || (first < second ? -1 : 1))
        .slice(0, 3);
      expect(completions.complete(prefix, 3)).toEqual(expected);
    }
    const capped = new WordCompletions({ maximumMatches: 2 });
    for (const word of ['config', 'configure', 'configuration', 'confirm']) capped.add(word);
    expect(capped.complete('conf', 1)).toEqual([]);
    expect(capped.complete('configu', 1)).toEqual(['configure']);
  });
});

describe('programming vocabulary', () => {
  it('links every word of a group to the group\'s other words, in lowercase single words', () => {
    const fellows = programmingVocabulary();
    expect(fellows.get('cert')).toEqual(expect.arrayContaining(['certificate', 'tls']));
    expect(fellows.get('heap')).toContain('memory');
    expect(fellows.get('heap')).not.toContain('heap');
    for (const group of programmingVocabularyGroups) {
      for (const word of group) expect(word).toMatch(/^[a-z0-9]+$/);
    }
  });
});

describe('LexicalDatabase definitions', () => {
  it('gives the glosses of a word\'s commonest senses without their quoted examples', () => {
    const definitions = new LexicalDatabase().definitions('expire');
    expect(definitions[0]).toEqual({ text: expect.stringContaining('lose validity') as string, weight: 1 });
    expect(definitions.map((definition) => definition.text).join(' ')).not.toContain('passports');
    expect(new LexicalDatabase().definitions('qwxzzy')).toEqual([]);
  });
});

async function indexOf(skills: Record<string, string>, retrieval: RetrievalSettingsOverrides = {}): Promise<{ top(task: string): Promise<string | undefined>; index: LibraryIndex }> {
  const library = new Library({ store: createMemoryStore() });
  for (const [name, description] of Object.entries(skills)) await library.add('skill', name, skill(description));
  const index = new LibraryIndex({ retrieval });
  await index.sync(library);
  return { index, top: async (task) => (await index.search(task, { kinds: ['skill'] }))[0]?.entry.name };
}

const operationsSkills = {
  'tls-certificates': 'Install and renew TLS certificates for HTTPS. Use when a certificate expired.',
  'find-memory-leaks': 'Find what keeps growing in a long-running process. Use when usage climbs until it crashes.',
  'ssh-keys': 'Create an SSH key pair and install it on a server.',
};

describe('vocabulary bridges in search', () => {
  it('takes a word the library lacks for an abbreviation of a library word, and says so', async () => {
    const skills = { ...operationsSkills, 'deploy-kubernetes': 'Roll out a service to a kubernetes cluster.' };
    const { index, top } = await indexOf(skills);
    // "kube" is in no thesaurus group: only its completion "kubernetes" finds the item.
    expect(await top('kube rollout')).toBe('deploy-kubernetes');
    const [hit] = await index.search('our kube', { kinds: ['skill'], explain: true });
    expect(hit!.entry.name).toBe('deploy-kubernetes');
    expect(hit!.explanation!.map((match) => [match.term, match.from, match.source])).toContainEqual(['kubernet', 'kube', 'abbreviation']);
    const without = await indexOf(skills, { abbreviations: { weight: 0 } });
    expect(await without.top('our kube')).toBeUndefined();
  });

  it('reaches an item through the programming thesaurus when the library never uses the typed word', async () => {
    const { index, top } = await indexOf(operationsSkills);
    // "heap" is nowhere in the library; the thesaurus links it to "memory" in the item's name.
    expect(await top('the heap keeps growing')).toBe('find-memory-leaks');
    const [hit] = await index.search('heap', { kinds: ['skill'], explain: true });
    expect(hit!.explanation!.map((match) => [match.term, match.source])).toContainEqual(['memori', 'programming-vocabulary']);
    const without = await indexOf(operationsSkills, { programmingVocabulary: { weight: 0 } });
    expect(await without.top('heap')).toBeUndefined();
  });

  it('weighs a thesaurus word of a typed word the library knows by the known-word factor', async () => {
    const skills = { 'git-resolve-conflicts': 'Resolve merge conflicts in git.', 'merge-csv-files': 'Merge several CSV files into one.' };
    const scoreOf = async (knownWordFactor: number): Promise<number> => {
      const { index } = await indexOf(skills, { programmingVocabulary: { knownWordFactor } });
      const hits = await index.search('merge', { kinds: ['skill'], explain: true });
      const conflicts = hits.find((hit) => hit.entry.name === 'git-resolve-conflicts')!;
      return conflicts.explanation!.filter((match) => match.source === 'programming-vocabulary').reduce((sum, match) => sum + match.score, 0);
    };
    expect(await scoreOf(0)).toBe(0);
    expect(await scoreOf(0.5)).toBeGreaterThan(await scoreOf(0.1));
  });
});

describe('conversion direction', () => {
  it('reads the two ends of a converter\'s name and whether a query names them in that order', () => {
    const analyze = (text: string): string[] => text.split(' ');
    const ends = conversionEnds('csv-to-json', analyze)!;
    expect([...ends.from, ...ends.to]).toEqual(['csv', 'json']);
    expect(conversionEnds('markdown-into-html', analyze)?.to).toEqual(new Set(['html']));
    expect(conversionEnds('resize-images', analyze)).toBeUndefined();
    const reach = (words: string[][]): Set<string>[] => words.map((word) => new Set(word));
    expect(directionAgreement(ends, reach([['turn'], ['csv'], ['json']]))).toBe(1);
    expect(directionAgreement(ends, reach([['json', 'object'], ['csv']]))).toBe(-1);
    expect(directionAgreement(ends, reach([['csv'], ['file']]))).toBe(0);
  });

  it('puts the converter whose direction the task states first, where the words alone tie', async () => {
    const skills = { 'csv-to-json': 'Convert between CSV and JSON.', 'json-to-csv': 'Convert between CSV and JSON.' };
    const directed = await indexOf(skills);
    expect(await directed.top('turn my csv into json')).toBe('csv-to-json');
    expect(await directed.top('json to csv please')).toBe('json-to-csv');
    // The thesaurus counts: "objects" stands for JSON.
    expect(await directed.top('the csv export must become a list of objects')).toBe('csv-to-json');
    const undirected = await indexOf(skills, { conversionDirectionWeight: 0 });
    expect(await undirected.top('turn my csv into json')).toBe(await undirected.top('json to csv please'));
  });
});
