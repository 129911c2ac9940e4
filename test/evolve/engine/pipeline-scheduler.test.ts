import { describe, expect, it } from 'vitest';
import { PipelineScheduler } from '../../../src/evolve/engine/pipeline-scheduler.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('PipelineScheduler', () => {
  it('keeps proposing while evaluators are busy, but never beyond the queue bound', async () => {
    const gate = deferred();
    let proposing = 0;
    let maxPending = 0;
    let evaluating = 0;
    let maxEvaluating = 0;
    let evaluated = 0;
    const scheduler: PipelineScheduler<number> = new PipelineScheduler<number>({
      proposals: 2,
      evaluations: 2,
      queue: 5,
      serial: false,
      startAfter: 0,
      mayStart: (iteration) => iteration <= 20,
      propose: async (iteration) => {
        proposing += 1;
        await Promise.resolve();
        proposing -= 1;
        return iteration;
      },
      evaluate: async () => {
        evaluating += 1;
        maxEvaluating = Math.max(maxEvaluating, evaluating);
        maxPending = Math.max(maxPending, scheduler.waiting + proposing);
        await gate.promise;
        evaluating -= 1;
        evaluated += 1;
      },
      aborted: () => false,
      onError: (error) => {
        throw error;
      },
    });
    const done = scheduler.run();
    for (let tick = 0; tick < 20; tick += 1) await Promise.resolve();
    // Both evaluators hold their candidates; proposals filled the queue and stopped there.
    expect(evaluating).toBe(2);
    expect(scheduler.waiting).toBe(5);
    expect(scheduler.started).toBe(7);
    gate.resolve();
    await done;
    expect(evaluated).toBe(20);
    expect(maxEvaluating).toBe(2);
    expect(maxPending).toBeLessThanOrEqual(5);
  });

  it('runs a slow proposer in every proposal slot so evaluators are fed', async () => {
    let active = 0;
    let maxActive = 0;
    const releases: (() => void)[] = [];
    const scheduler = new PipelineScheduler<number>({
      proposals: 3,
      evaluations: 1,
      queue: 4,
      serial: false,
      startAfter: 10,
      mayStart: (iteration) => iteration <= 16,
      propose: async (iteration) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active -= 1;
        return iteration;
      },
      evaluate: async () => undefined,
      aborted: () => false,
      onError: (error) => {
        throw error;
      },
    });
    const done = scheduler.run();
    while (scheduler.started < 16 || releases.length > 0) {
      await Promise.resolve();
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    expect(maxActive).toBe(3);
    expect(scheduler.started).toBe(16);
  });

  it('runs one attempt at a time in serial mode', async () => {
    const order: string[] = [];
    await new PipelineScheduler<number>({
      proposals: 4,
      evaluations: 4,
      queue: 8,
      serial: true,
      startAfter: 0,
      mayStart: (iteration) => iteration <= 3,
      propose: async (iteration) => {
        order.push(`propose ${iteration}`);
        return iteration;
      },
      evaluate: async (candidate) => {
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`evaluate ${candidate}`);
      },
      aborted: () => false,
      onError: (error) => {
        throw error;
      },
    }).run();
    expect(order).toEqual(['propose 1', 'evaluate 1', 'propose 2', 'evaluate 2', 'propose 3', 'evaluate 3']);
  });

  it('starts an urgent proposal beyond the queue bound and evaluates a priority candidate first', async () => {
    const gate = deferred();
    const order: number[] = [];
    const scheduler: PipelineScheduler<number> = new PipelineScheduler<number>({
      proposals: 1,
      evaluations: 1,
      queue: 2,
      serial: false,
      startAfter: 0,
      mayStart: (iteration) => iteration <= 5,
      // Attempt 4 stands for a repair: it is urgent once the queue is full with 2 and 3.
      urgent: () => scheduler.started === 3,
      priority: (candidate) => candidate === 4,
      propose: async (iteration) => {
        await Promise.resolve();
        return iteration;
      },
      evaluate: async (candidate) => {
        order.push(candidate);
        if (candidate === 1) await gate.promise;
      },
      aborted: () => false,
      onError: (error) => {
        throw error;
      },
    });
    const done = scheduler.run();
    for (let tick = 0; tick < 20; tick += 1) await Promise.resolve();
    expect(scheduler.started).toBe(4);
    expect(scheduler.waiting).toBe(3);
    gate.resolve();
    await done;
    expect(order).toEqual([1, 4, 2, 3, 5]);
  });
});
