import { beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/core/errors.ts';
import type { Store } from '../../../src/store/types.ts';
import { makeProgram } from '../records.ts';
import type { ConformanceContext } from './context.ts';

/** What every store does whatever it holds: identity, copies in and out, close. */
export function describeLifecycleConformance(context: ConformanceContext): void {
  describe('identity', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('declares its specification, kind, location and schema version', async () => {
      expect(store.specificationVersion).toBe('v1');
      expect(['sqlite', 'postgres', 'memory']).toContain(store.kind);
      expect(store.location.length).toBeGreaterThan(0);
      const version = await store.schemaVersion();
      expect(Number.isInteger(version)).toBe(true);
      expect(version).toBeGreaterThanOrEqual(1);
    });
  });

  describe('isolation', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('hands out copies: mutating a returned or given record changes nothing stored', async () => {
      const config = { nested: { value: 1 } };
      const run = await store.createRun({ kind: 'evolve', name: 'r', config });
      config.nested.value = 2;
      run.config['nested'] = 'mutated';
      expect((await store.getRun(run.id))?.config).toEqual({ nested: { value: 1 } });
      const program = makeProgram(run.id, 'prg_copy');
      const stored = await store.putProgram(program);
      program.files['main.py'] = 'mutated';
      stored.metrics['accuracy'] = -1;
      expect((await store.getProgram('prg_copy'))?.files['main.py']).toBe(makeProgram(run.id, 'prg_copy').files['main.py']);
      expect((await store.getProgram('prg_copy'))?.metrics['accuracy']).toBe(0.5);
      const { version } = await store.createArtifact({ kind: 'skill', name: 'copied' }, { content: { body: 'b' }, message: 'm' });
      version.content['body'] = 'mutated';
      expect((await store.getVersion(version.id))?.content).toEqual({ body: 'b' });
      const state = { list: [1, 2] };
      await store.putState('s', 'k', state);
      state.list.push(3);
      expect(await store.getState('s', 'k')).toEqual({ list: [1, 2] });
    });
  });

  describe('close', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('is idempotent and makes later calls fail with a StoreError', async () => {
      await store.close();
      await store.close();
      await expect(store.getRun('run_any')).rejects.toBeInstanceOf(StoreError);
    });
  });
}
