import { describe, expect, it } from 'vitest';
import { ProgramDatabase } from '../../../src/evolve/database/program-database.ts';
import { exactSimilarity, fingerprintText } from '../../../src/evolve/database/text-fingerprint.ts';
import { NoveltyFilter, cosine } from '../../../src/evolve/novelty.ts';
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
    const { database, loadText } = setup({ parent: base, other: `${base}\n# v2\n` });
    const filter = new NoveltyFilter({ database, loadText });
    expect(await filter.check(check(`${base}\n# v2\n`, { operator: 'numeric-tune', island: 1 }))).toMatchObject({ novel: false, similarTo: 'other' });
    const pending = `${base}\n# v3\n`;
    const verdict = await filter.check(check(pending, { pendingHashes: new Set([fingerprintText(pending).contentHash]) }));
    expect(verdict.novel).toBe(false);
  });

  it('rejects a child identical to a program that failed evaluation', async () => {
    const failedText = `${base}\n# broken\n`;
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

  it('exempts configured operators from the near-duplicate test', async () => {
    const { database, loadText } = setup({ parent: base });
    const filter = new NoveltyFilter({ database, loadText, settings: { threshold: 0.5 } });
    const tuned = base.replace('total = 0', 'total = 0.25');
    expect((await filter.check(check(tuned))).novel).toBe(false);
    expect((await filter.check(check(tuned, { operator: 'numeric-tune' }))).novel).toBe(true);
  });

  it('lets an LLM judge overrule the similarity verdict', async () => {
    const { database, loadText } = setup({ parent: base });
    const asked: string[] = [];
    const judge = (novel: boolean) =>
      ({
        spec: 'scripted:judge',
        async generateObject(request: { prompt?: string; schema: { parse(value: unknown): unknown } }) {
          asked.push(request.prompt ?? '');
          return { object: request.schema.parse({ novel, reason: 'checked' }), text: '', usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, model: 'scripted:judge', latencyMs: 0, repaired: false };
        },
      }) as unknown as LanguageModelClient;
    const cosmetic = base.replace('- index', '- index ');
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
