import { beforeEach, describe, expect, it } from 'vitest';
import { LamarckError, NotFoundError } from '../../../src/core/errors.ts';
import type { Store } from '../../../src/store/types.ts';
import type { ConformanceContext } from './context.ts';

/** Runs: create, read, list newest first, update by patch. */
export function describeRunsConformance(context: ConformanceContext): void {
  describe('runs', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('creates a running run with an empty summary and reads it back', async () => {
      const created = await store.createRun({ kind: 'evolve', name: 'circle packing', config: { islands: 4, model: 'x' } });
      expect(created.id).toMatch(/^run_/);
      expect(created).toMatchObject({ kind: 'evolve', name: 'circle packing', status: 'running', summary: {} });
      expect(created.config).toEqual({ islands: 4, model: 'x' });
      expect(created.updatedAt).toBe(created.createdAt);
      expect(await store.getRun(created.id)).toEqual(created);
      expect(await store.getRun('run_missing')).toBeUndefined();
    });

    it('uses a given id and refuses to create the same id twice', async () => {
      const created = await store.createRun({ id: 'run_fixed', kind: 'learn', name: 'a', config: {} });
      expect(created.id).toBe('run_fixed');
      await expect(store.createRun({ id: 'run_fixed', kind: 'learn', name: 'b', config: {} })).rejects.toBeInstanceOf(
        LamarckError,
      );
      expect((await store.getRun('run_fixed'))?.name).toBe('a');
    });

    it('lists runs newest first, filtered by kind and limited', async () => {
      const first = await store.createRun({ kind: 'evolve', name: 'first', config: {} });
      const second = await store.createRun({ kind: 'learn', name: 'second', config: {} });
      const third = await store.createRun({ kind: 'evolve', name: 'third', config: {} });
      expect((await store.listRuns()).map((run) => run.id)).toEqual([third.id, second.id, first.id]);
      expect((await store.listRuns({ kind: 'evolve' })).map((run) => run.id)).toEqual([third.id, first.id]);
      expect((await store.listRuns({ kind: 'agent' })).length).toBe(0);
      expect((await store.listRuns({ limit: 2 })).map((run) => run.id)).toEqual([third.id, second.id]);
    });

    it('updates only the fields a patch names', async () => {
      const run = await store.createRun({ kind: 'evolve', name: 'r', config: { a: 1 } });
      const finished = await store.updateRun(run.id, { status: 'finished' });
      expect(finished).toMatchObject({ status: 'finished', config: { a: 1 }, summary: {} });
      const summarised = await store.updateRun(run.id, { summary: { best: 0.9, programs: 10 } });
      expect(summarised).toMatchObject({ status: 'finished', config: { a: 1 }, summary: { best: 0.9, programs: 10 } });
      const reconfigured = await store.updateRun(run.id, { config: { a: 2 } });
      expect(reconfigured.config).toEqual({ a: 2 });
      expect(reconfigured.updatedAt).toBeGreaterThanOrEqual(run.createdAt);
      expect(await store.getRun(run.id)).toEqual(reconfigured);
    });

    it('fails to update a run that does not exist', async () => {
      await expect(store.updateRun('run_missing', { status: 'failed' })).rejects.toBeInstanceOf(NotFoundError);
    });
  });
}
