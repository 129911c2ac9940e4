import type { ArtifactKind, ArtifactRecord, ArtifactStatus, NewVersion, VersionRecord } from './records.ts';

/**
 * The one place an artifact or version record is assembled from its parts, with the defaults the
 * contract states (a new artifact is at version 1 with every counter at zero; a version's
 * parents, trajectories and evaluation default to empty). Stores build their records with these,
 * and so does anything that shows a not-yet-committed change as if it were stored (learn's gate overlay).
 */
export function newArtifactRecord(fields: {
  id: string;
  kind: ArtifactKind;
  name: string;
  status?: ArtifactStatus | undefined;
  headVersionId: string;
  createdAt: number;
}): ArtifactRecord {
  return {
    id: fields.id,
    kind: fields.kind,
    name: fields.name,
    status: fields.status ?? 'candidate',
    headVersionId: fields.headVersionId,
    headNumber: 1,
    uses: 0,
    successes: 0,
    helpful: 0,
    harmful: 0,
    createdAt: fields.createdAt,
    updatedAt: fields.createdAt,
  };
}

export function newVersionRecord(fields: {
  id: string;
  artifactId: string;
  number: number;
  version: NewVersion;
  /** The parents when `version.parentIds` is absent: none for a first version, the old head for a commit. */
  defaultParentIds: readonly string[];
  createdAt: number;
}): VersionRecord {
  const { version } = fields;
  return {
    id: fields.id,
    artifactId: fields.artifactId,
    number: fields.number,
    parentIds: [...(version.parentIds ?? fields.defaultParentIds)],
    content: version.content,
    message: version.message,
    trajectoryIds: [...(version.trajectoryIds ?? [])],
    evaluation: version.evaluation ?? {},
    createdAt: fields.createdAt,
  };
}
