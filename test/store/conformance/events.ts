import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/core/errors.ts';
import type { Store } from '../../../src/store/types.ts';
import type { ConformanceContext } from './context.ts';

/** Events: numbered per run, listed in pages. */
export function describeEventsConformance(context: ConformanceContext): void {
  describe('events', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('numbers events per run and lists them in order, in pages', async () => {
      const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
      const other = await store.createRun({ kind: 'evolve', name: 'other', config: {} });
      const types = ['run-started', 'candidate-start', 'candidate-evaluated', 'island-migrated', 'run-finished'];
      for (const [index, type] of types.entries()) {
        const event = await store.appendEvent(run.id, type, { index });
        expect(event).toMatchObject({ runId: run.id, sequence: index + 1, type, data: { index } });
        expect(typeof event.at).toBe('number');
      }
      expect((await store.appendEvent(other.id, 'run-started', {})).sequence).toBe(1);
      const events = await store.listEvents(run.id);
      expect(events.map((event) => event.type)).toEqual(types);
      expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5]);
      for (let index = 1; index < events.length; index += 1) {
        expect(events[index]!.at).toBeGreaterThanOrEqual(events[index - 1]!.at);
      }
      expect((await store.listEvents(run.id, { afterSequence: 2, limit: 2 })).map((event) => event.sequence)).toEqual([3, 4]);
      expect(await store.listEvents(run.id, { afterSequence: 5 })).toEqual([]);
      expect((await store.listEvents(other.id)).length).toBe(1);
    });

    it('numbers events 1..n without a gap or a repeat when appends from two stores interleave', async () => {
      const run = await store.createRun({ kind: 'learn', name: 'r', config: {} });
      const other = await context.secondStore();
      const appended = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? store : other).appendEvent(run.id, 'step', { index })));
      expect(appended.map((event) => event.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
      expect((await store.listEvents(run.id)).length).toBe(20);
      if (other !== store) await other.close();
    });

    it('refuses an event for a run that does not exist', async () => {
      await expect(store.appendEvent('run_missing', 'run-started', {})).rejects.toBeInstanceOf(NotFoundError);
    });
  });
}
