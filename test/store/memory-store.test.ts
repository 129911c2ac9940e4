import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { describeStoreConformance } from './conformance.ts';

describeStoreConformance('memory', async () => {
  const store = createMemoryStore();
  return { store, cleanup: () => store.close() };
});

describe('createMemoryStore', () => {
  it('reports kind memory and gives each call its own empty store', async () => {
    const first = createMemoryStore();
    const second = createMemoryStore();
    expect(first.kind).toBe('memory');
    expect(first.location).toBe('memory');
    await first.createRun({ id: 'run_only_here', kind: 'agent', name: 'a', config: {} });
    expect(await second.getRun('run_only_here')).toBeUndefined();
    await first.close();
    await second.close();
  });

  it('takes timestamps from the given clock', async () => {
    let now = 1_000;
    const store = createMemoryStore({ now: () => now });
    const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
    now = 2_000;
    const updated = await store.updateRun(run.id, { status: 'finished' });
    expect(run.createdAt).toBe(1_000);
    expect(updated.updatedAt).toBe(2_000);
    expect((await store.appendEvent(run.id, 'run-finished', {})).at).toBe(2_000);
    await store.close();
  });
});
