import { afterEach, describe, expect, it } from 'vitest';
import type { LamarckError } from '../../../src/core/errors.ts';
import type { JsonValue } from '../../../src/core/json.ts';
import { checkpointScope } from '../../../src/evolve/engine/checkpoint.ts';
import { readLease, RunLease, RunLeaseHeldError, type LeaseRecord } from '../../../src/evolve/engine/run-lease.ts';
import { evolve } from '../../../src/evolve/evolve.ts';
import type { Store } from '../../../src/store/types.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';
import { fakeEvaluator, fakeProblem, tuningOperator } from './fakes.ts';

const stores: Store[] = [];
const leases: RunLease[] = [];
afterEach(async () => {
  for (const lease of leases.splice(0)) await lease.release().catch(() => undefined);
  for (const store of stores.splice(0)) await store.close();
});

function memoryStore(): Store {
  const store = createMemoryStore();
  stores.push(store);
  return store;
}

async function acquire(options: Parameters<typeof RunLease.acquire>[0]): Promise<RunLease> {
  const lease = await RunLease.acquire({ settleMs: 1, ...options });
  leases.push(lease);
  return lease;
}

async function writeRaw(store: Store, runId: string, record: LeaseRecord): Promise<void> {
  await store.putState(checkpointScope(runId), 'lease', { ...record } as unknown as JsonValue);
}

describe('run lease', () => {
  it('refuses a second holder while the lease is fresh, and names the holder', async () => {
    const store = memoryStore();
    const first = await acquire({ store, runId: 'run_a', pid: 111, host: 'box', isAlive: () => true });
    const thrown = await acquire({ store, runId: 'run_a', pid: 222, host: 'box', isAlive: () => true }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(RunLeaseHeldError);
    expect((thrown as LamarckError).code).toBe('run-leased');
    expect((thrown as Error).message).toMatch(/run_a is being worked on by process 111 on box/);
    expect((await readLease(store, 'run_a'))?.owner).toBe(first.record.owner);
    // Another run is independent.
    await acquire({ store, runId: 'run_b', pid: 222, host: 'box', isAlive: () => true });
  });

  it('is free again once released', async () => {
    const store = memoryStore();
    const first = await acquire({ store, runId: 'run_a', pid: 111, host: 'box', isAlive: () => true });
    await first.release();
    expect(await readLease(store, 'run_a')).toBeUndefined();
    const second = await acquire({ store, runId: 'run_a', pid: 222, host: 'box', isAlive: () => true });
    expect((await readLease(store, 'run_a'))?.owner).toBe(second.record.owner);
  });

  it('takes over a lease whose heartbeat is older than its time to live', async () => {
    const store = memoryStore();
    const now = Date.now();
    await writeRaw(store, 'run_a', { owner: 'elsewhere:1:x', pid: 1, host: 'elsewhere', acquiredAt: now - 60_000, heartbeatAt: now - 31_000, timeToLiveMs: 30_000 });
    const lease = await acquire({ store, runId: 'run_a', pid: 222, host: 'box' });
    expect((await readLease(store, 'run_a'))?.owner).toBe(lease.record.owner);
  });

  it('takes over at once from a process of this host that no longer exists (kill -9), but not from a live one elsewhere', async () => {
    const store = memoryStore();
    const now = Date.now();
    await writeRaw(store, 'run_a', { owner: 'box:4242:x', pid: 4242, host: 'box', acquiredAt: now, heartbeatAt: now, timeToLiveMs: 30_000 });
    const lease = await acquire({ store, runId: 'run_a', pid: 222, host: 'box', isAlive: (pid) => pid !== 4242 });
    expect(lease.record.pid).toBe(222);
    await writeRaw(store, 'run_b', { owner: 'other:4242:x', pid: 4242, host: 'other', acquiredAt: now, heartbeatAt: now, timeToLiveMs: 30_000 });
    await expect(acquire({ store, runId: 'run_b', pid: 222, host: 'box', isAlive: () => false })).rejects.toBeInstanceOf(RunLeaseHeldError);
  });

  it('renews its heartbeat, and tells a holder whose lease was taken over', async () => {
    const store = memoryStore();
    const lost: LeaseRecord[] = [];
    const lease = await acquire({ store, runId: 'run_a', pid: 111, host: 'box', heartbeatMs: 10, onLost: (holder) => lost.push(holder) });
    const firstBeat = lease.record.heartbeatAt;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect((await readLease(store, 'run_a'))!.heartbeatAt).toBeGreaterThan(firstBeat);
    const now = Date.now();
    await writeRaw(store, 'run_a', { owner: 'thief', pid: 9, host: 'other', acquiredAt: now, heartbeatAt: now, timeToLiveMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(lost.map((holder) => holder.owner)).toEqual(['thief']);
    // Releasing a lost lease leaves the new holder's lease alone.
    await lease.release();
    expect((await readLease(store, 'run_a'))?.owner).toBe('thief');
  });

  it('of two claims written at the same moment, lets only one proceed', async () => {
    const store = memoryStore();
    const results = await Promise.allSettled([
      acquire({ store, runId: 'run_a', pid: 1, host: 'box', isAlive: () => true, settleMs: 5 }),
      acquire({ store, runId: 'run_a', pid: 2, host: 'box', isAlive: () => true, settleMs: 5 }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason)).toEqual([expect.any(RunLeaseHeldError)]);
  });
});

describe('evolve with a lease', () => {
  it('refuses to resume a run another evolve() is working on, then resumes it once that one ends', async () => {
    const store = memoryStore();
    const problem = fakeProblem(10);
    const first = evolve({ problem, store, evaluator: fakeEvaluator({ delayMs: 5 }), operators: [tuningOperator()], iterations: 30, seed: 1, concurrency: { evaluations: 1 } });
    const runId = await first.runId;
    const second = evolve({ resume: runId, problem, store, evaluator: fakeEvaluator(), operators: [tuningOperator()], iterations: 40 });
    await expect(second.result).rejects.toThrow(/is being worked on by process/);
    const firstSummary = await first.result;
    expect(firstSummary.status).toBe('finished');
    expect((await store.getRun(runId))?.status).toBe('finished');
    expect(await readLease(store, runId)).toBeUndefined();

    const third = evolve({ resume: runId, problem, store, evaluator: fakeEvaluator(), operators: [tuningOperator()], iterations: 40 });
    expect((await third.result).iterations).toBe(40);
  });

  it('stops a run whose lease another process took over, and leaves the run record to that process', async () => {
    const store = memoryStore();
    const handle = evolve({
      problem: fakeProblem(10),
      store,
      evaluator: fakeEvaluator({ delayMs: 10 }),
      operators: [tuningOperator()],
      iterations: 10_000,
      lease: { heartbeatMs: 10, settleMs: 1 },
      concurrency: { evaluations: 1 },
    });
    const runId = await handle.runId;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = Date.now();
    await writeRaw(store, runId, { owner: 'thief', pid: 9, host: 'other', acquiredAt: now, heartbeatAt: now, timeToLiveMs: 30_000 });
    const summary = await handle.result;
    expect(summary.status).toBe('stopped');
    expect(summary.message).toMatch(/another process \(9 on other\) took this run over/);
    expect(summary.iterations).toBeLessThan(10_000);
    expect((await store.getRun(runId))?.status).toBe('running');
    expect((await readLease(store, runId))?.owner).toBe('thief');
  });
});
