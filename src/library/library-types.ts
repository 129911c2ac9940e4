import type { JsonObject } from '../core/json.ts';
import type { ArtifactRecord, ArtifactStatus, VersionRecord } from '../store/types.ts';
import type { ContentByKind, LibraryKind } from './artifact-content.ts';

/** An artifact with its head version's content, parsed for its kind. */
export interface LibraryEntry<K extends LibraryKind = LibraryKind> {
  kind: K;
  name: string;
  status: ArtifactStatus;
  artifact: ArtifactRecord;
  version: VersionRecord;
  content: ContentByKind[K];
  /** (successes + 1) / (uses + 2). */
  utility: number;
}

/** Provenance recorded with every version. */
export interface ChangeOptions {
  message?: string;
  trajectoryIds?: string[];
  /** Gate figures or other assessment that justified the change. */
  evaluation?: JsonObject;
}

export interface AddOptions extends ChangeOptions {
  status?: ArtifactStatus;
  /** Versions of other artifacts this one was derived from (a merge, a consolidation). */
  parentIds?: string[];
}

export interface UpdateOptions extends ChangeOptions {
  /**
   * The head the caller based its change on. When given, a moved head is reported as a
   * VersionConflictError instead of being retried, because the caller's content may be stale.
   */
  expectedHeadVersionId?: string;
  /** Extra parents besides the current head (for a merge). */
  extraParentIds?: string[];
}

export type LibraryChange =
  | { type: 'artifact-added'; entry: LibraryEntry }
  | { type: 'artifact-updated'; entry: LibraryEntry }
  | { type: 'artifact-merged'; entry: LibraryEntry; sources: string[] }
  | { type: 'artifact-status-changed'; entry: LibraryEntry; from: ArtifactStatus }
  | { type: 'artifact-rolled-back'; entry: LibraryEntry; fromNumber: number };
