import { beforeEach, describe, expect, it } from 'vitest';
import { LamarckError, NotFoundError } from '../../../src/core/errors.ts';
import type { Store } from '../../../src/store/types.ts';
import { makeTrajectory } from '../records.ts';
import type { ConformanceContext } from './context.ts';

/** Trajectories: fields replaced on put, steps append-only. */
export function describeTrajectoriesConformance(context: ConformanceContext): void {
  describe('trajectories', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('stores a trajectory, appends steps in order and reads them back', async () => {
      const trajectory = makeTrajectory('trj_1', { taskId: 'task-1' });
      await store.putTrajectory(trajectory);
      expect(await store.getTrajectory('trj_1')).toEqual({ ...trajectory, steps: [] });
      await store.appendTrajectoryStep('trj_1', { index: 0, type: 'model-call', at: 1, data: { tokens: 10 } });
      await store.appendTrajectoryStep('trj_1', { index: 1, type: 'tool-call', at: 2, data: { name: 'add', input: { a: 1 } } });
      await store.appendTrajectoryStep('trj_1', { index: 2, type: 'answer', at: 3, data: { text: '2' } });
      const read = await store.getTrajectory('trj_1');
      expect(read?.steps.map((step) => step.type)).toEqual(['model-call', 'tool-call', 'answer']);
      expect(read?.steps[1]).toEqual({ index: 1, type: 'tool-call', at: 2, data: { name: 'add', input: { a: 1 } } });
      expect(await store.getTrajectory('trj_missing')).toBeUndefined();
    });

    it('replaces the fields on a second put and keeps the steps', async () => {
      await store.putTrajectory(makeTrajectory('trj_1'));
      await store.appendTrajectoryStep('trj_1', { index: 0, type: 'plan', at: 1, data: {} });
      const finished = makeTrajectory('trj_1', {
        status: 'finished',
        answer: '42',
        verdict: { score: 1, passed: true, feedback: 'exact', source: 'verifier' },
        tokensIn: 300,
        tokensOut: 20,
        costUsd: 0.002,
        updatedAt: 1_700_000_000_500,
      });
      await store.putTrajectory(finished);
      expect(await store.getTrajectory('trj_1')).toEqual({ ...finished, steps: [{ index: 0, type: 'plan', at: 1, data: {} }] });
    });

    it('refuses a step for a missing trajectory and a step index written twice', async () => {
      await expect(store.appendTrajectoryStep('trj_missing', { index: 0, type: 'plan', at: 1, data: {} })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await store.putTrajectory(makeTrajectory('trj_1'));
      await store.appendTrajectoryStep('trj_1', { index: 0, type: 'plan', at: 1, data: { first: true } });
      await expect(store.appendTrajectoryStep('trj_1', { index: 0, type: 'plan', at: 2, data: {} })).rejects.toBeInstanceOf(
        LamarckError,
      );
      expect((await store.getTrajectory('trj_1'))?.steps).toEqual([{ index: 0, type: 'plan', at: 1, data: { first: true } }]);
    });

    it('lists oldest first, filtered by run and task, and limited', async () => {
      const run = await store.createRun({ kind: 'learn', name: 'r', config: {} });
      await store.putTrajectory(makeTrajectory('trj_c', { runId: run.id, taskId: 't1', createdAt: 3 }));
      await store.putTrajectory(makeTrajectory('trj_a', { runId: run.id, taskId: 't2', createdAt: 1 }));
      await store.putTrajectory(makeTrajectory('trj_b', { taskId: 't1', createdAt: 2 }));
      const ids = async (filter?: { runId?: string; taskId?: string; limit?: number }): Promise<string[]> =>
        (await store.listTrajectories(filter)).map((trajectory) => trajectory.id);
      expect(await ids()).toEqual(['trj_a', 'trj_b', 'trj_c']);
      expect(await ids({ runId: run.id })).toEqual(['trj_a', 'trj_c']);
      expect(await ids({ taskId: 't1' })).toEqual(['trj_b', 'trj_c']);
      expect(await ids({ runId: run.id, taskId: 't1' })).toEqual(['trj_c']);
      expect(await ids({ limit: 2 })).toEqual(['trj_a', 'trj_b']);
    });
  });
}
