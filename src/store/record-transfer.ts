import type { JsonValue } from '../core/json.ts';
import type { ArtifactRecord, ProgramRecord, RunRecord, StoredEvent, TrajectoryWithSteps, VersionRecord } from './records.ts';

/**
 * What `lamarck store copy` needs beyond the Store contract: records written exactly as they were
 * read (ids, sequences, version numbers and timestamps kept, where the contract's own writers would
 * assign new ones), and the state documents listed. Every import is idempotent: a record already
 * there is left as it is (runs, trajectories, artifacts and state take the source's current
 * fields), so a copy can be run again, after an interruption or later, without duplicating anything.
 */
export interface RecordTransfer {
  listStateEntries(): Promise<StateEntry[]>;
  /** Each returns how many records it newly wrote. */
  importRuns(runs: RunRecord[]): Promise<number>;
  importPrograms(programs: ProgramRecord[]): Promise<number>;
  importEvents(events: StoredEvent[]): Promise<number>;
  /** Writes the trajectories and those of their steps not yet there. Returns the number of new steps. */
  importTrajectories(trajectories: TrajectoryWithSteps[]): Promise<number>;
  /** Writes the artifact (its head and counters as in the source) and the versions not yet there. Returns the number of new versions. */
  importArtifact(artifact: ArtifactRecord, versions: VersionRecord[]): Promise<number>;
  importStateEntries(entries: StateEntry[]): Promise<number>;
  /** Record counts, for the check after a copy. */
  countRecords(): Promise<RecordCounts>;
}

export interface StateEntry {
  scope: string;
  key: string;
  value: JsonValue;
}

export interface RecordCounts {
  runs: number;
  programs: number;
  events: number;
  trajectories: number;
  trajectorySteps: number;
  artifacts: number;
  versions: number;
  state: number;
}

/** A store that can take part in a copy. */
export interface TransferableStore {
  readonly transfer: RecordTransfer;
}

export function isTransferable(store: object): store is TransferableStore {
  return 'transfer' in store && typeof (store as { transfer?: unknown }).transfer === 'object';
}
