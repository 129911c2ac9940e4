import type { ArtifactStore, EventStore, ProgramStore, RunStore, StateStore, TrajectoryStore } from './record-families.ts';

export type * from './records.ts';
export type * from './record-families.ts';

/**
 * The Store contract, version v1: the record families of `record-families.ts` behind one handle.
 * SQLite (embedded default), memory (tests) and PostgreSQL (shared) implement it, and the
 * conformance suite (`test/store/conformance.ts`, one section per family) runs against every
 * implementation. All methods are async so a networked database fits.
 */
export const storeSpecificationVersion = 'v1';

/** Which implementation, where it keeps its data, and which schema it is at. */
export interface StoreIdentity {
  readonly specificationVersion: typeof storeSpecificationVersion;
  readonly kind: 'sqlite' | 'postgres' | 'memory';
  /** A file path, a connection string without password, or `memory`. */
  readonly location: string;
  schemaVersion(): Promise<number>;
  /** Problems a full check of the stored data finds (empty: none). Optional: a store without such a check omits it. */
  checkIntegrity?(): Promise<string[]>;
}

export interface Store extends StoreIdentity, RunStore, ProgramStore, TrajectoryStore, ArtifactStore, EventStore, StateStore {
  /** Idempotent; later calls fail with a StoreError. */
  close(): Promise<void>;
}
