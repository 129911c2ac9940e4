import { describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.ts';
import { FieldedBm25Index } from '../../src/library/retrieval/fielded-bm25-index.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { searchFields } from '../../src/library/retrieval/searchable-fields.ts';
import { analyze, contentWords, contentWordsByPattern } from '../../src/library/retrieval/text-analysis.ts';
import { Library } from '../../src/library/library.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { skill } from './support.ts';

describe('text analysis', () => {
  it('drops the task register and English stop words, stems, and joins compounds', () => {
    expect(analyze('How do I please parse the dates? I need to')).toEqual(['pars', 'date']);
    expect(new Set(['parse', 'parses', 'parsing', 'parsed'].map((word) => analyze(word)[0]))).toEqual(new Set(['pars']));
    expect(contentWords('date-time tar.gz dateTime URLSearchParams')).toEqual([
      'date', 'time', 'datetime', 'tar', 'gz', 'targz', 'date', 'time', 'datetime', 'url', 'search', 'params', 'urlsearchparams',
    ]);
    expect(analyze('CSV csv')).toEqual(['csv', 'csv']);
  });

  it('finds the same words in ASCII text by its character scan as by the Unicode patterns', () => {
    const random = new Random(5);
    const pieces = ['a', 'b', 'Z', 'Q', 'e', 'x', '7', '0', '-', '.', '_', "'", ' ', '  ', '\n', ',', '(', 'http', 'URL', 'Search', 'date', 'Time', 'the', 'how', 'tar.gz', 'snake_case', 'JSONLines'];
    for (let sample = 0; sample < 3000; sample += 1) {
      const text = Array.from({ length: random.integer(14) }, () => pieces[random.integer(pieces.length)]!).join('');
      expect(contentWords(text), JSON.stringify(text)).toEqual(contentWordsByPattern(text));
    }
    // Text that is not all ASCII takes the patterns.
    expect(contentWords('Café crème dateTime')).toEqual(contentWordsByPattern('Café crème dateTime'));
    expect(contentWords('l’état’s x’y')).toEqual(['état', 'létats', 'xy']);
  });
});

describe('search fields', () => {
  it('takes a skill description\'s "Use when" sentence and its "When to use" section as triggers', () => {
    const fields = searchFields(
      'skill',
      'parse-dates',
      skill('Parse date strings into date values. Use when a column holds dates as text.', '# Parse dates\n\n## When to use\n\n- ambiguous day and month\n\n## Steps\n\n1. Pick the formats\n'),
    );
    expect(fields.name).toBe('parse dates');
    expect(fields.description.trim()).toBe('Parse date strings into date values.');
    expect(fields.triggers).toContain('Use when a column holds dates as text.');
    expect(fields.triggers).toContain('ambiguous day and month');
    expect(fields.headings).toBe('Parse dates\nSteps');
    expect(fields.body).toContain('Pick the formats');
    expect(fields.body).not.toContain('ambiguous');
  });
});

describe('FieldedBm25Index', () => {
  it('scores exactly as BM25F computed by hand, through adds and removals', () => {
    const random = new Random(11);
    const vocabulary = Array.from({ length: 60 }, (_, index) => `w${index}`);
    const weights = [3, 1];
    const lengthNormalization = [0.5, 0.75];
    const index = new FieldedBm25Index({ weights, lengthNormalization, commonTermFraction: 1 });
    const documents = new Map<string, string[][]>();
    for (let document = 0; document < 200; document += 1) {
      const fields = [2, 15].map((size) => Array.from({ length: 1 + random.integer(size) }, () => vocabulary[random.integer(vocabulary.length)]!));
      documents.set(`d${document}`, fields);
      index.add(`d${document}`, fields);
    }
    for (let removed = 0; removed < 40; removed += 1) {
      index.remove(`d${removed * 5}`);
      documents.delete(`d${removed * 5}`);
    }
    const query = new Map([['w1', 1], ['w7', 0.5], ['w33', 1]]);
    const expected = bruteForce(documents, query, weights, lengthNormalization, 1.2);
    const got = index.search(query, { limit: 10 });
    expect(got.map((hit) => hit.id)).toEqual(expected.slice(0, 10).map((hit) => hit.id));
    got.forEach((hit, position) => expect(hit.score).toBeCloseTo(expected[position]!.score, 9));
    const explained = index.explain(got[0]!.id, query);
    expect(explained.reduce((sum, term) => sum + term.score, 0)).toBeCloseTo(got[0]!.score, 9);
  });

  it('builds in one batch the index that adding one document at a time builds', () => {
    const random = new Random(3);
    const vocabulary = Array.from({ length: 40 }, (_, index) => `w${index}`);
    const options = { weights: [2, 1], lengthNormalization: [0.5, 0.75] };
    const documents = Array.from({ length: 300 }, (_, document) => ({
      id: `d${document % 250}`,
      fields: [3, 12].map((size) => Array.from({ length: random.integer(size) }, () => vocabulary[random.integer(vocabulary.length)]!)),
    }));
    const oneByOne = new FieldedBm25Index(options);
    for (const { id, fields } of documents) oneByOne.add(id, fields);
    const batched = new FieldedBm25Index(options);
    // The batch holds 50 ids twice (the later document wins, as a later add does) and follows a removal.
    batched.add('d7', [['w1'], ['w2']]);
    batched.remove('d7');
    batched.addAll(documents.map(({ id, fields }) => ({ id, fields: fields.map((terms) => terms.map((term) => batched.termNumber(term))) })));
    expect(batched.size).toBe(250);
    for (const query of [['w1'], ['w3', 'w17'], ['w0', 'w5', 'w9', 'w33']]) {
      const weights = new Map(query.map((term) => [term, 1]));
      expect(batched.search(weights, { limit: 20 })).toEqual(oneByOne.search(weights, { limit: 20 }));
    }
    expect(batched.termsOf('d10')).toEqual(oneByOne.termsOf('d10'));
    expect(batched.explain('d10', new Map([['w4', 1]]))).toEqual(oneByOne.explain('d10', new Map([['w4', 1]])));
  });

  it('ranks a word in a heavily weighted field above the same word in a light one', () => {
    const index = new FieldedBm25Index({ weights: [4, 1], lengthNormalization: [0, 0] });
    index.add('in-name', [['encrypt'], ['file', 'secret']]);
    index.add('in-body', [['sign'], ['encrypt', 'file']]);
    expect(index.search(new Map([['encrypt', 1]])).map((hit) => hit.id)).toEqual(['in-name', 'in-body']);
  });
});

describe('LibraryIndex explanations', () => {
  it('names the query terms that matched each hit and the fields they were found in', async () => {
    const library = new Library({ store: createMemoryStore() });
    await library.add('skill', 'sign-file', skill('Create a digital signature for a release. Use when a release must be signed.'));
    await library.add('skill', 'encrypt-file', skill('Encrypt a file so only key holders can read it. Use when contents must stay secret.'));
    const index = new LibraryIndex();
    await index.sync(library);
    const [hit] = await index.search('please sign my release tarball', { kinds: ['skill'], explain: true });
    expect(hit?.entry.name).toBe('sign-file');
    const terms = hit!.explanation!.map((match) => match.term);
    expect(terms).toEqual(expect.arrayContaining(['sign', 'releas']));
    expect(hit!.explanation!.find((match) => match.term === 'sign')!.fields).toEqual(expect.arrayContaining(['name', 'triggers']));
  });
});

describe('near neighbours', () => {
  it('names the query terms that tell a hit from its nearest neighbour in the list', async () => {
    const library = new Library({ store: createMemoryStore() });
    await library.add('skill', 'parse-dates', skill('Parse date strings into date values. Use when dates arrive as text.'));
    await library.add('skill', 'format-dates', skill('Format date values for display. Use when a date must be shown to people.'));
    const index = new LibraryIndex();
    await index.sync(library);
    const [first, second] = await index.search('parse the dates users typed', { kinds: ['skill'], explain: true });
    expect(first?.entry.name).toBe('parse-dates');
    expect(first!.distinguishing).toEqual({ from: 'format-dates', terms: expect.arrayContaining(['pars']) as unknown });
    expect(first!.distinguishing!.terms).not.toContain('date');
    expect(second!.distinguishing).toEqual({ from: 'parse-dates', terms: [] });
    expect((await index.search('parse the dates users typed', { kinds: ['skill'] }))[0]!.distinguishing).toBeUndefined();
  });
});

function bruteForce(
  documents: Map<string, string[][]>,
  query: Map<string, number>,
  weights: number[],
  lengthNormalization: number[],
  k1: number,
): { id: string; score: number }[] {
  const count = documents.size;
  const averages = weights.map((_, field) => [...documents.values()].reduce((sum, fields) => sum + fields[field]!.length, 0) / count);
  const results: { id: string; score: number }[] = [];
  for (const [id, fields] of documents) {
    let score = 0;
    for (const [term, weight] of query) {
      const frequency = [...documents.values()].filter((other) => other.some((field) => field.includes(term))).length;
      if (frequency === 0) continue;
      const idf = Math.log(1 + (count - frequency + 0.5) / (frequency + 0.5));
      let pseudo = 0;
      fields.forEach((field, position) => {
        const tf = field.filter((word) => word === term).length;
        const b = lengthNormalization[position]!;
        pseudo += (weights[position]! * tf) / (1 - b + (b * field.length) / averages[position]!);
      });
      if (pseudo > 0) score += (weight * idf * pseudo * (k1 + 1)) / (pseudo + k1);
    }
    if (score > 0) results.push({ id, score });
  }
  return results.sort((first, second) => second.score - first.score);
}
