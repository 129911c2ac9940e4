import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/core/errors.ts';
import type { Store } from '../../../src/store/types.ts';
import { makeProgram } from '../records.ts';
import type { ConformanceContext } from './context.ts';

/** Programs: sequences per run, idempotent puts, pages, summaries without code. */
export function describeProgramsConformance(context: ConformanceContext): void {
  describe('programs', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('assigns sequences in insertion order and round-trips every field', async () => {
      const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
      const seed = makeProgram(run.id, 'prg_seed');
      const child = makeProgram(run.id, 'prg_child', {
        parentId: 'prg_seed',
        inspirationIds: ['prg_seed', 'prg_other'],
        island: 2,
        generation: 1,
        status: 'failed',
        score: null,
        failure: { kind: 'timeout', message: 'evaluator ran past 10 s' },
        model: null,
        prompt: null,
        reply: null,
        files: { 'main.py': 'print("é ✓ 🧬")\n', 'lib/util.py': '' },
      });
      const storedSeed = await store.putProgram({ ...seed, sequence: 99 });
      const storedChild = await store.putProgram(child);
      expect(storedSeed.sequence).toBe(1);
      expect(storedChild.sequence).toBe(2);
      expect(await store.getProgram('prg_seed')).toEqual({ ...seed, sequence: 1 });
      expect(await store.getProgram('prg_child')).toEqual({ ...child, sequence: 2 });
      expect(await store.getProgram('prg_missing')).toBeUndefined();
    });

    it('treats a second put of the same id as a no-op that returns the stored program', async () => {
      const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
      await store.putProgram(makeProgram(run.id, 'prg_a'));
      await store.putProgram(makeProgram(run.id, 'prg_b'));
      const again = await store.putProgram(makeProgram(run.id, 'prg_a', { score: 0.99, diff: 'changed' }));
      expect(again.sequence).toBe(1);
      expect(again.score).toBe(0.5);
      expect(await store.countPrograms(run.id)).toBe(2);
      expect((await store.getProgram('prg_a'))?.diff).toBe(makeProgram(run.id, 'prg_a').diff);
      const next = await store.putProgram(makeProgram(run.id, 'prg_c'));
      expect(next.sequence).toBe(3);
    });

    it('pages through a run by afterSequence', async () => {
      const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
      const ids = Array.from({ length: 25 }, (_, index) => `prg_${String(index).padStart(3, '0')}`);
      for (const id of ids) await store.putProgram(makeProgram(run.id, id));
      const pages: string[][] = [];
      let after = 0;
      for (;;) {
        const page = await store.listPrograms(run.id, { afterSequence: after, limit: 10 });
        if (page.length === 0) break;
        pages.push(page.map((program) => program.id));
        after = page.at(-1)?.sequence ?? Number.NaN;
      }
      expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual(ids);
      const all = await store.listPrograms(run.id);
      expect(all.map((program) => program.sequence)).toEqual(ids.map((_, index) => index + 1));
      expect((await store.listPrograms(run.id, { afterSequence: 23 })).map((program) => program.id)).toEqual(ids.slice(23));
    });

    it('lists program summaries without code or texts, in pages, with the fingerprint the writer stored', async () => {
      const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
      const other = await store.createRun({ kind: 'evolve', name: 'other', config: {} });
      await store.putProgram(makeProgram(other.id, 'prg_other'));
      const ids = Array.from({ length: 7 }, (_, index) => `prg_s${index}`);
      for (const [index, id] of ids.entries()) {
        await store.putProgram(makeProgram(run.id, id, index % 2 === 0 ? { fingerprint: `fp-${index}` } : {}));
      }
      const pages: string[][] = [];
      let after = 0;
      for (;;) {
        const page = await store.listProgramSummaries(run.id, { afterSequence: after, limit: 3 });
        if (page.length === 0) break;
        pages.push(page.map((summary) => summary.id));
        after = page.at(-1)?.sequence ?? Number.NaN;
      }
      expect(pages).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);
      const summaries = await store.listProgramSummaries(run.id);
      for (const [index, summary] of summaries.entries()) {
        const { files, diff, prompt, reply, artifacts, ...expected } = (await store.getProgram(ids[index]!))!;
        expect([files, diff, prompt, reply, artifacts].every((value) => value !== undefined)).toBe(true);
        expect(summary).toEqual(expected);
        expect(Object.keys(summary)).not.toContain('files');
        expect(Object.keys(summary)).not.toContain('prompt');
        expect(summary.fingerprint).toBe(index % 2 === 0 ? `fp-${index}` : undefined);
      }
      expect(await store.listProgramSummaries('run_missing')).toEqual([]);
    });

    it('numbers and counts each run separately', async () => {
      const left = await store.createRun({ kind: 'evolve', name: 'left', config: {} });
      const right = await store.createRun({ kind: 'evolve', name: 'right', config: {} });
      await store.putProgram(makeProgram(left.id, 'prg_l1'));
      const r1 = await store.putProgram(makeProgram(right.id, 'prg_r1'));
      const l2 = await store.putProgram(makeProgram(left.id, 'prg_l2'));
      expect(r1.sequence).toBe(1);
      expect(l2.sequence).toBe(2);
      expect(await store.countPrograms(left.id)).toBe(2);
      expect(await store.countPrograms(right.id)).toBe(1);
      expect(await store.countPrograms('run_missing')).toBe(0);
      expect((await store.listPrograms(right.id)).map((program) => program.id)).toEqual(['prg_r1']);
    });

    it('refuses a program of a run that does not exist', async () => {
      await expect(store.putProgram(makeProgram('run_missing', 'prg_orphan'))).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.getProgram('prg_orphan')).toBeUndefined();
    });

    it('keeps sequences unique when puts from two stores interleave', async () => {
      const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
      const other = await context.secondStore();
      const puts = Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? store : other).putProgram(makeProgram(run.id, `prg_${index}`)),
      );
      const stored = await Promise.all(puts);
      expect(new Set(stored.map((program) => program.sequence)).size).toBe(20);
      expect(await store.countPrograms(run.id)).toBe(20);
      if (other !== store) await other.close();
    });
  });
}
