import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/json.ts';
import { Random } from '../../../src/core/random.ts';
import { checkpointScope, loadCheckpoint } from '../../../src/evolve/engine/checkpoint.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';

/** The frozen corpus for the engine checkpoint format: a version-1 checkpoint must keep loading. */
describe('engine checkpoint format', () => {
  it('loads a frozen version-1 checkpoint', async () => {
    const store = createMemoryStore();
    try {
      const frozen = JSON.parse(readFileSync(new URL('./fixtures/checkpoint-v1.json', import.meta.url), 'utf8')) as JsonValue;
      await store.putState(checkpointScope('run_frozen'), 'checkpoint', frozen);
      const checkpoint = await loadCheckpoint(store, 'run_frozen');
      expect(checkpoint?.recorded).toBe(31);
      expect(checkpoint?.operators['numeric-tune']).toEqual({ step: 0.42 });
      expect(checkpoint?.applyFailures[0]).toEqual(['prg_01parent', 'SEARCH block 1 does not match the program']);
      expect(Random.fromState(checkpoint!.random).next()).toBe(Random.fromState([2891336453, 1103515245, 12345, 777]).next());
    } finally {
      await store.close();
    }
  });

  it('ignores a checkpoint of an unknown version or shape', async () => {
    const store = createMemoryStore();
    try {
      await store.putState(checkpointScope('run_a'), 'checkpoint', { version: 99, random: [1, 2, 3, 4] });
      await store.putState(checkpointScope('run_b'), 'checkpoint', { version: 1, random: 'broken' });
      expect(await loadCheckpoint(store, 'run_a')).toBeUndefined();
      expect(await loadCheckpoint(store, 'run_b')).toBeUndefined();
      expect(await loadCheckpoint(store, 'run_missing')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
