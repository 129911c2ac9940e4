import { afterEach, describe, expect, it } from 'vitest';
import type { LamarckError } from '../../src/core/errors.ts';
import { readRunLease, RunLease, RunLeaseHeldError, runLeaseScope, type RunLeaseOptions, type RunLeaseRecord } from '../../src/store/run-lease.ts';
import { runStatusView } from '../../src/store/run-status.ts';
import type { Store } from '../../src/store/types.ts';
import { createFakeClock } from '../../src/testing/fake-clock.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';

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

/** Heartbeats an hour apart: the tests renew by hand, so no timer decides an outcome. */
async function acquire(options: RunLeaseOptions): Promise<RunLease> {
  const lease = await RunLease.acquire({ heartbeatMs: 3_600_000, ...options });
  leases.push(lease);
  return lease;
}

async function writeRaw(store: Store, runId: string, record: Omit<RunLeaseRecord, 'revision'> & { revision?: number }): Promise<void> {
  await store.putState(runLeaseScope, runId, { revision: 1, ...record });
}

describe('run lease', () => {
  it('refuses a second holder while the lease is fresh, and names the holder', async () => {
    const store = memoryStore();
    const first = await acquire({ store, runId: 'run_a', pid: 111, host: 'box', isAlive: () => true });
    const thrown = await acquire({ store, runId: 'run_a', pid: 222, host: 'box', isAlive: () => true }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(RunLeaseHeldError);
    expect((thrown as LamarckError).code).toBe('run-leased');
    expect((thrown as Error).message).toMatch(/run_a is being worked on by process 111 on box/);
    expect((await readRunLease(store, 'run_a'))?.owner).toBe(first.record.owner);
    // Another run is independent.
    await acquire({ store, runId: 'run_b', pid: 222, host: 'box', isAlive: () => true });
  });

  it('is free again once released', async () => {
    const store = memoryStore();
    const first = await acquire({ store, runId: 'run_a', pid: 111, host: 'box', isAlive: () => true });
    await first.release();
    expect(await readRunLease(store, 'run_a')).toBeUndefined();
    const second = await acquire({ store, runId: 'run_a', pid: 222, host: 'box', isAlive: () => true });
    expect((await readRunLease(store, 'run_a'))?.owner).toBe(second.record.owner);
  });

  it('takes over a lease whose heartbeat is older than its time to live, bumping its revision', async () => {
    const store = memoryStore();
    const clock = createFakeClock({ start: 1_000_000 });
    await writeRaw(store, 'run_a', { owner: 'elsewhere:1:x', pid: 1, host: 'elsewhere', acquiredAt: 900_000, heartbeatAt: 969_000, timeToLiveMs: 30_000, revision: 7 });
    const lease = await acquire({ store, runId: 'run_a', pid: 222, host: 'box', clock });
    expect(await readRunLease(store, 'run_a')).toEqual({ ...lease.record, revision: 8 });
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

  it('renews by compare-and-set, and a holder whose lease was taken over learns it at its next renewal', async () => {
    const store = memoryStore();
    const clock = createFakeClock({ start: 1_000_000 });
    const lost: (RunLeaseRecord | undefined)[] = [];
    const lease = await acquire({ store, runId: 'run_a', pid: 111, host: 'box', clock, onLost: (holder) => lost.push(holder) });
    await clock.advance(5_000);
    expect(await lease.renew()).toBe(true);
    expect(await readRunLease(store, 'run_a')).toMatchObject({ owner: lease.record.owner, heartbeatAt: 1_005_000, revision: 2 });
    await writeRaw(store, 'run_a', { owner: 'thief', pid: 9, host: 'other', acquiredAt: 1_005_000, heartbeatAt: 1_005_000, timeToLiveMs: 30_000, revision: 3 });
    expect(await lease.renew()).toBe(false);
    expect(lease.lost).toBe(true);
    expect(lost.map((holder) => holder?.owner)).toEqual(['thief']);
    // Releasing a lost lease leaves the new holder's lease alone.
    await lease.release();
    expect((await readRunLease(store, 'run_a'))?.owner).toBe('thief');
  });

  it('does not let a renewal and a takeover of the same lease both succeed', async () => {
    const store = memoryStore();
    const clock = createFakeClock({ start: 1_000_000 });
    const holder = await acquire({ store, runId: 'run_a', pid: 111, host: 'box', clock, timeToLiveMs: 1000 });
    // The holder stalls past its time to live; a second process sees the lease expired and claims it.
    await clock.advance(2000);
    const taker = await acquire({ store, runId: 'run_a', pid: 222, host: 'box', clock, isAlive: () => true });
    expect(await holder.renew()).toBe(false);
    expect((await readRunLease(store, 'run_a'))?.owner).toBe(taker.record.owner);
  });

  it('of many claims at the same moment, lets exactly one proceed', async () => {
    const store = memoryStore();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, index) => acquire({ store, runId: 'run_a', pid: index + 1, host: 'box', isAlive: () => true })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((result) => result.status === 'rejected')) expect((result as PromiseRejectedResult).reason).toBeInstanceOf(RunLeaseHeldError);
  });

  it('renews on its own on a timer', async () => {
    const store = memoryStore();
    const lease = await RunLease.acquire({ store, runId: 'run_a', heartbeatMs: 10 });
    leases.push(lease);
    const first = lease.record.revision;
    // Decided by what the store holds, however late the timer fires on a busy machine.
    for (let waited = 0; (await readRunLease(store, 'run_a'))!.revision === first && waited < 30_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await readRunLease(store, 'run_a'))!.revision).toBeGreaterThan(first);
  });
});

describe('shown run status', () => {
  it('shows a running run whose lease expired as interrupted, and keeps the stored status', async () => {
    const store = memoryStore();
    const clock = createFakeClock({ start: 1_000_000 });
    const run = await store.createRun({ id: 'run_x', kind: 'learn', name: 'tasks.jsonl', config: {} });
    const lease = await acquire({ store, runId: run.id, pid: 111, host: 'box', clock, timeToLiveMs: 30_000 });
    const view = (at: number) => runStatusView(store, run, { clock: createFakeClock({ start: at }), host: 'box', isAlive: () => true });
    expect((await view(1_000_000)).status).toBe('running');
    expect((await view(1_029_999)).status).toBe('running');
    expect(await view(1_030_000)).toMatchObject({ status: 'interrupted', lease: { pid: 111, host: 'box' } });
    // The holder is gone from this host: interrupted at once.
    expect((await runStatusView(store, run, { clock, host: 'box', isAlive: () => false })).status).toBe('interrupted');
    // A holder on another host is judged by its heartbeat only.
    expect((await runStatusView(store, run, { clock, host: 'elsewhere', isAlive: () => false })).status).toBe('running');
    expect((await store.getRun(run.id))?.status).toBe('running');
    // A run that ended is shown as stored, whatever its lease.
    await lease.release();
    await store.updateRun(run.id, { status: 'finished' });
    expect((await runStatusView(store, (await store.getRun(run.id))!, { clock: createFakeClock({ start: 9e12 }) })).status).toBe('finished');
  });

  it('reads the lease an earlier release kept in the evolve scope', async () => {
    const store = memoryStore();
    const run = await store.createRun({ id: 'run_old', kind: 'evolve', name: 'old', config: {} });
    await store.putState('evolve:run_old', 'lease', { owner: 'box:1:x', pid: 1, host: 'box', acquiredAt: 0, heartbeatAt: 0, timeToLiveMs: 30_000 });
    expect((await runStatusView(store, run, { clock: createFakeClock({ start: 60_000 }), host: 'box', isAlive: () => true })).status).toBe('interrupted');
    const fresh = await store.createRun({ id: 'run_unleased', kind: 'agent', name: 'no lease', config: {} });
    expect((await runStatusView(store, fresh, { clock: createFakeClock({ start: 60_000 }) })).status).toBe('running');
  });
});
