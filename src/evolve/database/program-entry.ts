import type { TextFingerprint } from './text-fingerprint.ts';

/**
 * What the database keeps in memory per program: numbers and a fingerprint, never the code.
 * The code stays in the store and is fetched only for the parent and inspirations of a step.
 */
export interface ProgramInfo {
  id: string;
  /** Store insertion order (or the order of adding); breaks score ties, oldest first. */
  sequence: number;
  parentId: string | null;
  operator: string;
  generation: number;
  /** combined_score, higher is better; finite. */
  score: number;
  /** Raw feature values by dimension name (code-length, diversity, metric names). */
  features: Record<string, number>;
  fingerprint: TextFingerprint;
  /** Children proposed from this program so far (ShinkaEvolve's novelty discount). */
  children: number;
  /** Islands this program sits on (its original island first, then migrated copies). */
  islands: number[];
  /** Set once the program has been sent to another island, so it never migrates twice. */
  migrated: boolean;
}

/** One program on one island. A migrated copy is a second placement of the same ProgramInfo. */
export interface Placement {
  /** Unique per placement; also the tie-breaker in the island's score tree. */
  key: number;
  info: ProgramInfo;
  island: number;
  /** True for a copy received by migration (a copy never migrates on). */
  copy: boolean;
  /** Index in the island's member list, for O(1) uniform draws and removal. */
  slot: number;
}

/** A failed program kept briefly per island, for fix mode. */
export interface FailedProgramInfo {
  id: string;
  island: number;
  generation: number;
  failureKind: string;
  operator: string;
}
