import type { Store } from '../../../src/store/types.ts';

/**
 * What an implementation under test provides: a fresh, empty store, and (where the backing database
 * can be shared) a way to open a second Store on the same data, standing in for another process.
 */
export interface StoreHarness {
  store: Store;
  openAnother?: () => Promise<Store>;
  /** A URL other processes open the same data with (`openStore({ url })`), where real processes can share it. */
  sharedUrl?: string;
  cleanup(): Promise<void>;
}

/** What a family's section reads while its tests run: the current harness, made fresh before each test. */
export interface ConformanceContext {
  store(): Store;
  harness(): StoreHarness;
  /** Another Store on the same data, or the same one where the implementation cannot share. */
  secondStore(): Promise<Store>;
}
