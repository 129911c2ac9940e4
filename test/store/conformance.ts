import { afterEach, beforeEach, describe } from 'vitest';
import type { StoreFamily } from '../../src/store/types.ts';
import { describeArtifactsConformance } from './conformance/artifacts.ts';
import type { ConformanceContext, StoreHarness } from './conformance/context.ts';
import { describeEventsConformance } from './conformance/events.ts';
import { describeLifecycleConformance } from './conformance/lifecycle.ts';
import { describeProgramsConformance } from './conformance/programs.ts';
import { describeRunsConformance } from './conformance/runs.ts';
import { describeStateConformance } from './conformance/state.ts';
import { describeTrajectoriesConformance } from './conformance/trajectories.ts';

export type { ConformanceContext, StoreHarness } from './conformance/context.ts';

/**
 * One section of the conformance suite per record family of the Store contract (src/store/types.ts),
 * plus `lifecycle` (identity, copies in and out, close), which every store owes whatever it holds.
 * A new implementation can be brought up family by family: `describeStoreConformance(name, factory, { families: ['runs'] })`.
 */
export const storeConformanceSections: Readonly<Record<StoreFamily | 'lifecycle', (context: ConformanceContext) => void>> = {
  runs: describeRunsConformance,
  programs: describeProgramsConformance,
  trajectories: describeTrajectoriesConformance,
  artifacts: describeArtifactsConformance,
  events: describeEventsConformance,
  state: describeStateConformance,
  lifecycle: describeLifecycleConformance,
};

export type StoreConformanceSection = keyof typeof storeConformanceSections;

/**
 * The conformance suite for the Store contract. Every implementation (SQLite, memory, PostgreSQL)
 * runs it unchanged; nothing here may depend on how an implementation stores data. By default every
 * section runs; `families` picks some (each section still gets a fresh store per test).
 */
export function describeStoreConformance(
  name: string,
  factory: () => Promise<StoreHarness>,
  options: { families?: readonly StoreConformanceSection[] } = {},
): void {
  const families = options.families ?? (Object.keys(storeConformanceSections) as StoreConformanceSection[]);
  describe(`Store conformance: ${name}`, () => {
    let harness: StoreHarness | undefined;

    beforeEach(async () => {
      harness = await factory();
    });

    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });

    const context: ConformanceContext = {
      harness: () => {
        if (harness === undefined) throw new Error('the conformance harness is read outside a test');
        return harness;
      },
      store: () => context.harness().store,
      secondStore: async () => {
        const current = context.harness();
        return current.openAnother === undefined ? current.store : current.openAnother();
      },
    };
    for (const family of families) storeConformanceSections[family](context);
  });
}
