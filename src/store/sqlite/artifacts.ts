import { NotFoundError, VersionConflictError } from '../../core/errors.ts';
import { createId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import type { ArtifactKind, ArtifactRecord, ArtifactStatus, ArtifactUseOutcome, NewArtifact, NewVersion, VersionRecord } from '../records.ts';
import { newVersionRecord } from '../record-builders.ts';
import { json, number, text, toJsonText, type SqliteRow } from './columns.ts';
import type { SqliteConnection } from './connection.ts';

/**
 * Artifacts and their versions. Every head change runs check-then-write inside BEGIN IMMEDIATE, so
 * the expected-head comparison and the write see the same state even across processes.
 */
export class SqliteArtifacts {
  readonly #connection: SqliteConnection;
  readonly #now: () => number;

  constructor(connection: SqliteConnection, now: () => number) {
    this.#connection = connection;
    this.#now = now;
  }

  create(artifact: NewArtifact, version: NewVersion): { artifact: ArtifactRecord; version: VersionRecord } {
    return this.#connection.immediate(() => {
      const existing = this.find(artifact.kind, artifact.name);
      if (existing !== undefined) {
        throw new VersionConflictError(`artifact ${artifact.kind}/${artifact.name}`, null, existing.headVersionId);
      }
      const now = this.#now();
      const artifactId = createId('art');
      const versionId = createId('ver');
      // The artifact row goes first (versions reference it); its head names the version written next.
      this.#connection
        .statement(
          `INSERT INTO artifacts (id, kind, name, status, head_version_id, head_number, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(artifactId, artifact.kind, artifact.name, artifact.status ?? 'candidate', versionId, 1, now, now);
      const created = this.#insertVersion(versionId, artifactId, 1, version, [], now);
      return { artifact: this.#require(artifactId), version: created };
    });
  }

  get(id: string): ArtifactRecord | undefined {
    const row = this.#connection.statement('SELECT * FROM artifacts WHERE id = ?').get(id);
    return row === undefined ? undefined : toArtifact(row);
  }

  find(kind: ArtifactKind, name: string): ArtifactRecord | undefined {
    const row = this.#connection.statement('SELECT * FROM artifacts WHERE kind = ? AND name = ?').get(kind, name);
    return row === undefined ? undefined : toArtifact(row);
  }

  /** Ordered by kind, then name. */
  list(filter: { kind?: ArtifactKind; status?: ArtifactStatus } = {}): ArtifactRecord[] {
    return this.#connection
      .statement('SELECT * FROM artifacts WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR status = ?2) ORDER BY kind, name')
      .all(filter.kind ?? null, filter.status ?? null)
      .map(toArtifact);
  }

  commitVersion(artifactId: string, version: NewVersion, expectedHeadVersionId: string): VersionRecord {
    return this.#connection.immediate(() => {
      this.#checkHead(artifactId, expectedHeadVersionId);
      // After a rollback the head is not the newest version, so numbers continue from the highest.
      const highest = this.#connection
        .statement('SELECT MAX(number) AS number FROM versions WHERE artifact_id = ?')
        .get(artifactId);
      const nextNumber = (highest === undefined ? 0 : number(highest, 'number')) + 1;
      const now = this.#now();
      const created = this.#insertVersion(createId('ver'), artifactId, nextNumber, version, [expectedHeadVersionId], now);
      this.#connection
        .statement('UPDATE artifacts SET head_version_id = ?, head_number = ?, updated_at = ? WHERE id = ?')
        .run(created.id, nextNumber, now, artifactId);
      return created;
    });
  }

  setHead(artifactId: string, versionId: string, expectedHeadVersionId: string): ArtifactRecord {
    return this.#connection.immediate(() => {
      this.#checkHead(artifactId, expectedHeadVersionId);
      const target = this.getVersion(versionId);
      if (target === undefined || target.artifactId !== artifactId) throw new NotFoundError(`version of artifact ${artifactId}`, versionId);
      this.#connection
        .statement('UPDATE artifacts SET head_version_id = ?, head_number = ?, updated_at = ? WHERE id = ?')
        .run(target.id, target.number, this.#now(), artifactId);
      return this.#require(artifactId);
    });
  }

  setStatus(artifactId: string, status: ArtifactStatus): ArtifactRecord {
    const row = this.#connection
      .statement('UPDATE artifacts SET status = ?, updated_at = ? WHERE id = ? RETURNING *')
      .get(status, this.#now(), artifactId);
    if (row === undefined) throw new NotFoundError('artifact', artifactId);
    return toArtifact(row);
  }

  /** One UPDATE statement, so concurrent increments from several processes are never lost. */
  recordUse(artifactId: string, outcome: ArtifactUseOutcome): ArtifactRecord {
    const row = this.#connection
      .statement(
        `UPDATE artifacts SET uses = uses + 1, successes = successes + ?, helpful = helpful + ?, harmful = harmful + ?,
           updated_at = ? WHERE id = ? RETURNING *`,
      )
      .get(outcome.success === true ? 1 : 0, outcome.helpful === true ? 1 : 0, outcome.harmful === true ? 1 : 0, this.#now(), artifactId);
    if (row === undefined) throw new NotFoundError('artifact', artifactId);
    return toArtifact(row);
  }

  getVersion(id: string): VersionRecord | undefined {
    const row = this.#connection.statement('SELECT * FROM versions WHERE id = ?').get(id);
    return row === undefined ? undefined : toVersion(row);
  }

  /** In the order of `ids`, each once; unknown ids are left out. One statement per thousand ids. */
  getVersions(ids: readonly string[]): VersionRecord[] {
    const unique = [...new Set(ids)];
    const found = new Map<string, VersionRecord>();
    // The ids travel as one JSON array parameter, so the statement text (and its cache entry) is
    // the same whatever their number; chunks keep each result set modest.
    for (let start = 0; start < unique.length; start += versionChunk) {
      const rows = this.#connection
        .statement('SELECT * FROM versions WHERE id IN (SELECT value FROM json_each(?))')
        .all(JSON.stringify(unique.slice(start, start + versionChunk)));
      for (const row of rows) {
        const version = toVersion(row);
        found.set(version.id, version);
      }
    }
    return unique.flatMap((id) => {
      const version = found.get(id);
      return version === undefined ? [] : [version];
    });
  }

  /** The counter migration 3's triggers move on every artifact write. */
  changeMark(): number {
    const row = this.#connection.statement('SELECT counter FROM artifact_changes WHERE id = 1').get();
    return row === undefined ? 0 : number(row, 'counter');
  }

  /** Oldest first (by number). */
  listVersions(artifactId: string): VersionRecord[] {
    return this.#connection
      .statement('SELECT * FROM versions WHERE artifact_id = ? ORDER BY number')
      .all(artifactId)
      .map(toVersion);
  }

  #checkHead(artifactId: string, expectedHeadVersionId: string): void {
    const current = this.get(artifactId);
    if (current === undefined) throw new NotFoundError('artifact', artifactId);
    if (current.headVersionId !== expectedHeadVersionId) {
      throw new VersionConflictError(`artifact ${current.kind}/${current.name}`, expectedHeadVersionId, current.headVersionId);
    }
  }

  #require(artifactId: string): ArtifactRecord {
    const artifact = this.get(artifactId);
    if (artifact === undefined) throw new NotFoundError('artifact', artifactId);
    return artifact;
  }

  #insertVersion(versionId: string, artifactId: string, versionNumber: number, version: NewVersion, defaultParents: string[], now: number): VersionRecord {
    const record = newVersionRecord({ id: versionId, artifactId, number: versionNumber, version, defaultParentIds: defaultParents, createdAt: now });
    this.#connection
      .statement(
        `INSERT INTO versions (id, artifact_id, number, parent_ids, content, message, trajectory_ids, evaluation, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.id,
        artifactId,
        versionNumber,
        toJsonText(record.parentIds),
        toJsonText(record.content),
        record.message,
        toJsonText(record.trajectoryIds),
        toJsonText(record.evaluation),
        now,
      );
    return record;
  }
}

const versionChunk = 1000;

function toArtifact(row: SqliteRow): ArtifactRecord {
  return {
    id: text(row, 'id'),
    kind: text(row, 'kind') as ArtifactKind,
    name: text(row, 'name'),
    status: text(row, 'status') as ArtifactStatus,
    headVersionId: text(row, 'head_version_id'),
    headNumber: number(row, 'head_number'),
    uses: number(row, 'uses'),
    successes: number(row, 'successes'),
    helpful: number(row, 'helpful'),
    harmful: number(row, 'harmful'),
    createdAt: number(row, 'created_at'),
    updatedAt: number(row, 'updated_at'),
  };
}

function toVersion(row: SqliteRow): VersionRecord {
  return {
    id: text(row, 'id'),
    artifactId: text(row, 'artifact_id'),
    number: number(row, 'number'),
    parentIds: json<string[]>(row, 'parent_ids'),
    content: json<JsonObject>(row, 'content'),
    message: text(row, 'message'),
    trajectoryIds: json<string[]>(row, 'trajectory_ids'),
    evaluation: json<JsonObject>(row, 'evaluation'),
    createdAt: number(row, 'created_at'),
  };
}
