import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import { readRunLease, runLeaseScope } from '../../../src/store/run-lease.ts';
import type { Store } from '../../../src/store/types.ts';
import { fakeEvaluator, fakeProblem, tuningOperator } from './fakes.ts';
import { closeAfterEach } from './test-resources.ts';

const { memoryStore } = closeAfterEach();

/** Polls the store until `ready` holds (evidence, not a timer, decides when the test moves on). */
async function until(ready: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await ready()); waited += 10) {
    if (waited > 60_000) throw new Error('condition not reached in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function storedPrograms(store: Store, runId: string): Promise<number> {
  return store.countPrograms(runId);
}

describe('evolve with a lease', () => {
  it('holds the lease while it runs, refuses a second resumer, and resumes once the first has ended', async () => {
    const store = memoryStore();
    const problem = fakeProblem(10);
    const first = evolve({ problem, store, evaluator: fakeEvaluator({ delayMs: 5 }), operators: [tuningOperator()], iterations: 30, seed: 1, concurrency: { evaluations: 1 } });
    const runId = await first.runId;
    // The lease exists from the moment the run does.
    expect((await readRunLease(store, runId))?.pid).toBe(process.pid);
    const second = evolve({ resume: runId, problem, store, evaluator: fakeEvaluator(), operators: [tuningOperator()], iterations: 40 });
    await expect(second.result).rejects.toThrow(/is being worked on by process/);
    const firstSummary = await first.result;
    expect(firstSummary.status).toBe('finished');
    expect((await store.getRun(runId))?.status).toBe('finished');
    expect(await readRunLease(store, runId)).toBeUndefined();

    const third = evolve({ resume: runId, problem, store, evaluator: fakeEvaluator(), operators: [tuningOperator()], iterations: 40 });
    expect((await third.result).iterations).toBe(40);
    expect(await readRunLease(store, runId)).toBeUndefined();
  });

  it('stops a run whose lease another process took over, and leaves the run record to that process', async () => {
    const store = memoryStore();
    const handle = evolve({
      problem: fakeProblem(10),
      store,
      evaluator: fakeEvaluator({ delayMs: 5 }),
      operators: [tuningOperator()],
      iterations: 100_000,
      lease: { heartbeatMs: 10 },
      concurrency: { evaluations: 1 },
    });
    const runId = await handle.runId;
    await until(async () => (await storedPrograms(store, runId)) >= 3);
    const now = Date.now();
    await store.putState(runLeaseScope, runId, { owner: 'thief', pid: 9, host: 'other', acquiredAt: now, heartbeatAt: now, timeToLiveMs: 30_000, revision: 99 });
    const summary = await handle.result;
    expect(summary.status).toBe('stopped');
    expect(summary.message).toMatch(/another process \(9 on other\) took this run over/);
    expect(summary.iterations).toBeLessThan(100_000);
    expect((await store.getRun(runId))?.status).toBe('running');
    expect((await readRunLease(store, runId))?.owner).toBe('thief');
  });
});
