import { describe, expect, it } from 'vitest';
import { ProgramDatabase } from '../../../src/evolve/database/program-database.ts';
import { exactSimilarity, fingerprintText } from '../../../src/evolve/database/text-fingerprint.ts';
import { NoveltyFilter, cosine, defaultNovelty } from '../../../src/evolve/novelty.ts';
import type { EmbeddingClient, LanguageModelClient } from '../../../src/model/types.ts';

const base = `def solve(points):
    total = 0
    for index, point in enumerate(points):
        total += point.x * point.y - index
    best = max(points, key=lambda p: p.x + p.y)
    return total / len(points) + best.x
`;

function setup(texts: Record<string, string>) {
  const database = new ProgramDatabase({ islands: 2 });
  let sequence = 0;
  for (const [id, text] of Object.entries(texts)) {
    sequence += 1;
    const fingerprint = fingerprintText(text);
    database.add({ id, sequence, parentId: null, operator: 'test', generation: 0, score: sequence, features: database.computeFeatures(fingerprint, {}), fingerprint, island: 0 });
  }
  const loadText = async (id: string): Promise<string | undefined> => texts[id];
  return { database, loadText };
}

function check(childText: string, overrides: Partial<Parameters<NoveltyFilter['check']>[0]> = {}) {
  return { childText, fingerprint: fingerprintText(childText), parentId: 'parent', parentText: base, island: 0, operator: 'llm-diff', pendingHashes: new Set<number>(), ...overrides };
}

describe('NoveltyFilter', () => {
  it('always rejects a child identical to its parent, even from exempt operators', async () => {
    const { database, loadText } = setup({ parent: base });
    const filter = new NoveltyFilter({ database, loadText });
    const verdict = await filter.check(check(base, { operator: 'numeric-tune' }));
    expect(verdict).toMatchObject({ novel: false, similarTo: 'parent', similarity: 1 });
  });

  it('rejects exact duplicates of any program and of pending candidates', async () => {
    const { database, loadText } = setup({ parent: base, other: `${base}\nlimit = 2\n` });
    const filter = new NoveltyFilter({ database, loadText });
    expect(await filter.check(check(`${base}\nlimit = 2\n`, { operator: 'numeric-tune', island: 1 }))).toMatchObject({ novel: false, similarTo: 'other' });
    const pending = `${base}\nlimit = 3\n`;
    const verdict = await filter.check(check(pending, { pendingHashes: new Set([fingerprintText(pending).contentHash]) }));
    expect(verdict.novel).toBe(false);
  });

  it('rejects a child identical to a program that failed evaluation', async () => {
    const failedText = `${base}\nbroken = (\n`;
    const { database } = setup({ parent: base });
    const filter = new NoveltyFilter({ database, loadText: async (id) => (id === 'failed' ? failedText : id === 'parent' ? base : undefined) });
    expect((await filter.check(check(failedText, { operator: 'numeric-tune' }))).novel).toBe(true);
    filter.rememberFailure(fingerprintText(failedText).contentHash, 'failed');
    expect(await filter.check(check(failedText, { operator: 'numeric-tune' }))).toMatchObject({ novel: false, similarTo: 'failed' });
  });

  it('rejects near-duplicates above the threshold and accepts a real change', async () => {
    const { database, loadText } = setup({ parent: base });
    const filter = new NoveltyFilter({ database, loadText, settings: { threshold: 0.9 } });
    const cosmetic = base.replace('- index', '- index ');
    expect(exactSimilarity(cosmetic, base)).toBe(1);
    expect(await filter.check(check(cosmetic))).toMatchObject({ novel: false, similarTo: 'parent' });
    const different = `import heapq\n\ndef solve(points):\n    heap = [(-p.x * p.y, i) for i, p in enumerate(points)]\n    heapq.heapify(heap)\n    return -heap[0][0]\n`;
    expect(await filter.check(check(different))).toMatchObject({ novel: true });
  });

  it('evaluates a one-literal diff of the parent, and rejects it once another program holds that change', async () => {
    // A program of realistic length: one changed literal leaves it about 99% the same as its parent.
    const helpers = Array.from({ length: 30 }, (_, index) => `def helper_${index}(values):\n    return sum(v * ${index + 2} for v in values if v > ${index})\n`).join('\n');
    const parent = `${base}\n${helpers}`;
    const tuned = parent.replace('total = 0', 'total = 0.25');
    expect(exactSimilarity(tuned, parent)).toBeGreaterThan(defaultNovelty.threshold);
    const parentCheck = (text: string, overrides: Partial<Parameters<NoveltyFilter['check']>[0]> = {}) => check(text, { parentText: parent, ...overrides });
    const fresh = setup({ parent });
    expect(await new NoveltyFilter(fresh).check(parentCheck(tuned))).toMatchObject({ novel: true });
    // A sibling already made this change (and a cosmetic one): the change itself is not new.
    const crowded = setup({ parent, sibling: `${tuned.replace('best = max', 'best  =  max')}# note\n` });
    const filter = new NoveltyFilter(crowded);
    const child = tuned.replace('return total', 'return  total');
    expect(await filter.check(parentCheck(child))).toMatchObject({ novel: false, similarTo: 'sibling' });
    expect((await filter.check(parentCheck(child, { operator: 'numeric-tune' }))).novel).toBe(false);
    const exempt = tuned.replace('- index', '- index * 2');
    expect((await filter.check(parentCheck(exempt, { operator: 'numeric-tune' }))).novel).toBe(true);
  });

  it('rejects a child that differs from its parent or a held program only in comments and whitespace', async () => {
    const { database, loadText } = setup({ parent: base, other: base.replace('total = 0', 'total = 1') });
    const filter = new NoveltyFilter({ database, loadText });
    const commented = base.replace('    total = 0\n', '    # start from zero\n    total = 0   // x\n'.replace(' // x', ''));
    expect(await filter.check(check(commented))).toMatchObject({ novel: false, similarTo: 'parent', reason: expect.stringContaining('whitespace and comments') });
    const reflowed = `${base.replace('total = 0', 'total   =   1')}\n\n# trailing remark\n`;
    expect(await filter.check(check(reflowed, { island: 1 }))).toMatchObject({ novel: false, similarTo: 'other' });
    // A # inside a string is code, not a comment.
    const inString = base.replace('total = 0', 'total = len("#0")');
    expect((await filter.check(check(inString))).novel).toBe(true);
  });

  it('tightens the threshold while the island keeps the same best', async () => {
    const variant = base.replace('total = 0', 'total = 0.5').replace('- index', '- index * 3');
    const { database, loadText } = setup({ parent: base, sibling: variant });
    // The sibling holds three of the child's four changed lines (both replaced the same two lines,
    // one the same way): similarity 0.75.
    const child = base.replace('total = 0', 'total = 0.5').replace('- index', '- index * 4');
    const filter = new NoveltyFilter({ database, loadText, settings: { threshold: 0.8, stagnationWindow: 4, stagnationTightening: 0.1 } });
    expect((await filter.check(check(child))).novel).toBe(true);
    for (let round = 0; round < 4; round += 1) await filter.check(check(base.replace('total = 0', `total = ${round + 10}`)));
    expect(await filter.check(check(child))).toMatchObject({ novel: false, similarTo: 'sibling', similarity: 0.75 });
  });

  it('lets an LLM judge overrule the similarity verdict', async () => {
    const tuned = base.replace('total = 0', 'total = 0.25');
    const { database, loadText } = setup({ parent: base, sibling: tuned.replace('best = max', 'best = min') });
    const asked: string[] = [];
    const judge = (novel: boolean) =>
      ({
        spec: 'scripted:judge',
        async generateObject(request: { prompt?: string; schema: { parse(value: unknown): unknown } }) {
          asked.push(request.prompt ?? '');
          return { object: request.schema.parse({ novel, reason: 'checked' }), text: '', usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, model: 'scripted:judge', latencyMs: 0, repaired: false };
        },
      }) as unknown as LanguageModelClient;
    // The child's one change is already in the sibling: a near-duplicate the judge may overrule.
    const cosmetic = tuned;
    const yes = new NoveltyFilter({ database, loadText, judge: judge(true), settings: { threshold: 0.9 } });
    expect((await yes.check(check(cosmetic))).novel).toBe(true);
    expect(asked[0]).toContain('Existing program');
    const no = new NoveltyFilter({ database, loadText, judge: judge(false), settings: { threshold: 0.9 } });
    expect((await no.check(check(cosmetic))).novel).toBe(false);
    // Identical children never reach the judge.
    expect((await yes.check(check(base))).novel).toBe(false);
    expect(asked).toHaveLength(2);
  });

  it('uses embedding cosine when an embedding client is configured', async () => {
    const { database, loadText } = setup({ parent: base });
    const calls: string[][] = [];
    const embeddings: EmbeddingClient = {
      spec: 'scripted:embed',
      async embed(values) {
        calls.push(values);
        return { embeddings: values.map((value) => [value.length % 7, 1, value.includes('heap') ? 5 : 0]), usage: { inputTokens: 1, outputTokens: 0, costUsd: 0 } };
      },
    };
    const filter = new NoveltyFilter({ database, loadText, embeddings, settings: { threshold: 0.99 } });
    const child = base.replace('- index', '- index * 1');
    const verdict = await filter.check(check(child));
    expect(calls.length).toBe(1);
    expect(verdict.novel).toBe(cosine([child.length % 7, 1, 0], [base.length % 7, 1, 0]) < 0.99);
  });
});
