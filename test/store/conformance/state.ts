import { beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/json.ts';
import { startContender } from './contenders.ts';
import { readRunLease } from '../../../src/store/run-lease.ts';
import type { Store } from '../../../src/store/types.ts';
import type { ConformanceContext } from './context.ts';

/** State documents and the compare-and-set leases are built on, within a process and across real processes. */
export function describeStateConformance(context: ConformanceContext): void {
  describe('state', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('round-trips JSON values, overwrites, and tells null from missing', async () => {
      const values: JsonValue[] = [{ islands: [{ best: 0.5, members: ['a'] }], rng: [1, 2, 3, 4] }, [1, 'two', null], 'text', 3.25, false, null];
      for (const [index, value] of values.entries()) await store.putState('checkpoint', `key-${index}`, value);
      for (const [index, value] of values.entries()) expect(await store.getState('checkpoint', `key-${index}`)).toEqual(value);
      expect(await store.getState('checkpoint', 'absent')).toBeUndefined();
      await store.putState('checkpoint', 'key-0', { replaced: true });
      expect(await store.getState('checkpoint', 'key-0')).toEqual({ replaced: true });
      await store.putState('bandit', 'key-0', 7);
      expect(await store.getState('bandit', 'key-0')).toBe(7);
      expect(await store.getState('checkpoint', 'key-0')).toEqual({ replaced: true });
    });
  });

  describe('compare-and-set on state', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('creates only where the key is absent, replaces only the expected value, and deletes', async () => {
      expect(await store.compareAndSetState('lease', 'run_a', undefined, { owner: 'a', revision: 1 })).toBe(true);
      expect(await store.compareAndSetState('lease', 'run_a', undefined, { owner: 'b', revision: 1 })).toBe(false);
      expect(await store.getState('lease', 'run_a')).toEqual({ owner: 'a', revision: 1 });
      // A stale expectation changes nothing.
      expect(await store.compareAndSetState('lease', 'run_a', { owner: 'a', revision: 0 }, { owner: 'b', revision: 2 })).toBe(false);
      expect(await store.getState('lease', 'run_a')).toEqual({ owner: 'a', revision: 1 });
      // Values compare as JSON documents: key order does not matter.
      expect(await store.compareAndSetState('lease', 'run_a', { revision: 1, owner: 'a' }, { owner: 'a', revision: 2 })).toBe(true);
      expect(await store.getState('lease', 'run_a')).toEqual({ owner: 'a', revision: 2 });
      // `undefined` as the next value deletes the key; a deleted key can be created again.
      expect(await store.compareAndSetState('lease', 'run_a', { owner: 'a', revision: 2 }, undefined)).toBe(true);
      expect(await store.getState('lease', 'run_a')).toBeUndefined();
      expect(await store.compareAndSetState('lease', 'run_a', { owner: 'a', revision: 2 }, undefined)).toBe(false);
      expect(await store.compareAndSetState('lease', 'run_a', undefined, 'again')).toBe(true);
      expect(await store.getState('lease', 'run_a')).toBe('again');
      // Scopes are separate namespaces.
      expect(await store.getState('other', 'run_a')).toBeUndefined();
    });

    it('tells a stored null from an absent key, and compares nested arrays and numbers exactly', async () => {
      await store.putState('cas', 'nothing', null);
      expect(await store.compareAndSetState('cas', 'nothing', undefined, 1)).toBe(false);
      expect(await store.compareAndSetState('cas', 'nothing', null, 1)).toBe(true);
      expect(await store.compareAndSetState('cas', 'absent', null, 1)).toBe(false);
      expect(await store.getState('cas', 'absent')).toBeUndefined();
      await store.putState('cas', 'nested', { list: [1, 2, { deep: 0.5 }] });
      expect(await store.compareAndSetState('cas', 'nested', { list: [2, 1, { deep: 0.5 }] }, 'x')).toBe(false);
      expect(await store.compareAndSetState('cas', 'nested', { list: [1, 2, { deep: 0.25 }] }, 'x')).toBe(false);
      expect(await store.compareAndSetState('cas', 'nested', { list: [1, 2, { deep: 0.5 }] }, 'x')).toBe(true);
      expect(await store.getState('cas', 'nested')).toBe('x');
    });

    it('lets exactly one of many concurrent claims on the same expected value win', async () => {
      const other = await context.secondStore();
      await store.putState('lease', 'contested', { owner: 'nobody', revision: 0 });
      const claims = Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? store : other).compareAndSetState('lease', 'contested', { owner: 'nobody', revision: 0 }, { owner: `claimant-${index}`, revision: 1 }),
      );
      const results = await Promise.all(claims);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await other.getState('lease', 'contested')).toEqual({ owner: `claimant-${winner}`, revision: 1 });
      if (other !== store) await other.close();
    });
  });

  describe('compare-and-set across processes', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

    it('gives each lease and each key to exactly one of two real processes racing for them', async (test) => {
      if (context.harness().sharedUrl === undefined) {
        test.skip();
        return;
      }
      const rounds = 60;
      const contenders = ['left', 'right'].map((label) => startContender(context.harness().sharedUrl!, label, rounds));
      await Promise.all(contenders.map((contender) => contender.ready));
      for (const contender of contenders) contender.go();
      const reports = await Promise.all(contenders.map((contender) => contender.report));
      for (const contender of contenders) contender.exit();
      await Promise.all(contenders.map((contender) => contender.closed));
      for (let round = 0; round < rounds; round += 1) {
        const leaseWinners = reports.filter((report) => report.leases.includes(round));
        expect(leaseWinners.map((report) => report.label)).toHaveLength(1);
        expect(reports.filter((report) => report.swaps.includes(round))).toHaveLength(1);
        const stored = await store.getState('race', `key_${round}`);
        expect(stored).toEqual({ winner: reports.find((report) => report.swaps.includes(round))!.label });
        const lease = await readRunLease(store, `race_${round}`);
        expect(leaseWinners[0]!.owners).toContain(lease?.owner);
      }
      // Every lost claim was refused as held by the other, never as a store failure.
      for (const report of reports) expect(new Set(report.refusals)).toEqual(report.refusals.length === 0 ? new Set() : new Set(['run-leased']));
    }, 120_000);
  });
}
