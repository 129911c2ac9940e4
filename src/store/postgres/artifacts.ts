import type pg from 'pg';
import { NotFoundError, VersionConflictError } from '../../core/errors.ts';
import { createId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import type { ArtifactKind, ArtifactRecord, ArtifactStatus, NewArtifact, NewVersion, VersionRecord } from '../types.ts';
import { encodeText, json, number, text, toJsonText, type PostgresRow } from './columns.ts';
import type { PostgresConnection, Queryable } from './connection.ts';
import { isUniqueViolation } from './errors.ts';

/**
 * Artifacts and their versions. Every head change locks the artifact's row (SELECT ... FOR UPDATE)
 * before comparing the head, so of two processes committing on the same head exactly one wins and
 * the other gets a VersionConflictError naming the head it lost to: the optimistic check of a
 * shared library, with no update lost.
 */
export class PostgresArtifacts {
  readonly #connection: PostgresConnection;
  readonly #now: () => number;

  constructor(connection: PostgresConnection, now: () => number) {
    this.#connection = connection;
    this.#now = now;
  }

  async create(artifact: NewArtifact, version: NewVersion): Promise<{ artifact: ArtifactRecord; version: VersionRecord }> {
    try {
      return await this.#connection.transaction(async (client) => {
        const now = this.#now();
        const artifactId = createId('art');
        const versionId = createId('ver');
        const { rows } = await this.#connection.query(
          `INSERT INTO artifacts (id, kind, name, status, head_version_id, head_number, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING *`,
          [artifactId, artifact.kind, encodeText(artifact.name), artifact.status ?? 'candidate', versionId, now],
          client,
        );
        const created = await this.#insertVersion(client, versionId, artifactId, 1, version, [], now);
        return { artifact: toArtifact(rows[0] ?? {}), version: created };
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.find(artifact.kind, artifact.name);
      throw new VersionConflictError(`artifact ${artifact.kind}/${artifact.name}`, null, existing?.headVersionId ?? null);
    }
  }

  async get(id: string, client?: Queryable): Promise<ArtifactRecord | undefined> {
    const { rows } = await this.#connection.query('SELECT * FROM artifacts WHERE id = $1', [id], client);
    return rows[0] === undefined ? undefined : toArtifact(rows[0]);
  }

  async find(kind: ArtifactKind, name: string): Promise<ArtifactRecord | undefined> {
    const { rows } = await this.#connection.query('SELECT * FROM artifacts WHERE kind = $1 AND name = $2', [kind, encodeText(name)]);
    return rows[0] === undefined ? undefined : toArtifact(rows[0]);
  }

  /** Ordered by kind, then name (byte order, as SQLite compares). */
  async list(filter: { kind?: ArtifactKind; status?: ArtifactStatus } = {}): Promise<ArtifactRecord[]> {
    const { rows } = await this.#connection.query(
      `SELECT * FROM artifacts WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY kind COLLATE "C", name COLLATE "C"`,
      [filter.kind ?? null, filter.status ?? null],
    );
    return rows.map(toArtifact);
  }

  async commitVersion(artifactId: string, version: NewVersion, expectedHeadVersionId: string): Promise<VersionRecord> {
    return this.#connection.transaction(async (client) => {
      await this.#lockAndCheckHead(client, artifactId, expectedHeadVersionId);
      // After a rollback the head is not the newest version, so numbers continue from the highest.
      const highest = await this.#connection.query('SELECT MAX(number) AS number FROM versions WHERE artifact_id = $1', [artifactId], client);
      const nextNumber = (typeof highest.rows[0]?.['number'] === 'number' ? highest.rows[0]['number'] : 0) + 1;
      const now = this.#now();
      const created = await this.#insertVersion(client, createId('ver'), artifactId, nextNumber, version, [expectedHeadVersionId], now);
      await this.#connection.query(
        'UPDATE artifacts SET head_version_id = $1, head_number = $2, updated_at = $3 WHERE id = $4',
        [created.id, nextNumber, now, artifactId],
        client,
      );
      return created;
    });
  }

  async setHead(artifactId: string, versionId: string, expectedHeadVersionId: string): Promise<ArtifactRecord> {
    return this.#connection.transaction(async (client) => {
      await this.#lockAndCheckHead(client, artifactId, expectedHeadVersionId);
      const target = await this.getVersion(versionId, client);
      if (target === undefined || target.artifactId !== artifactId) throw new NotFoundError(`version of artifact ${artifactId}`, versionId);
      const { rows } = await this.#connection.query(
        'UPDATE artifacts SET head_version_id = $1, head_number = $2, updated_at = $3 WHERE id = $4 RETURNING *',
        [target.id, target.number, this.#now(), artifactId],
        client,
      );
      return toArtifact(rows[0] ?? {});
    });
  }

  async setStatus(artifactId: string, status: ArtifactStatus): Promise<ArtifactRecord> {
    const { rows } = await this.#connection.query('UPDATE artifacts SET status = $1, updated_at = $2 WHERE id = $3 RETURNING *', [
      status,
      this.#now(),
      artifactId,
    ]);
    if (rows[0] === undefined) throw new NotFoundError('artifact', artifactId);
    return toArtifact(rows[0]);
  }

  /** One UPDATE statement, so concurrent increments from several processes are never lost. */
  async recordUse(artifactId: string, outcome: { success?: boolean; helpful?: boolean; harmful?: boolean }): Promise<ArtifactRecord> {
    const { rows } = await this.#connection.query(
      `UPDATE artifacts SET uses = uses + 1, successes = successes + $1, helpful = helpful + $2, harmful = harmful + $3,
         updated_at = $4 WHERE id = $5 RETURNING *`,
      [outcome.success === true ? 1 : 0, outcome.helpful === true ? 1 : 0, outcome.harmful === true ? 1 : 0, this.#now(), artifactId],
    );
    if (rows[0] === undefined) throw new NotFoundError('artifact', artifactId);
    return toArtifact(rows[0]);
  }

  async getVersion(id: string, client?: Queryable): Promise<VersionRecord | undefined> {
    const { rows } = await this.#connection.query('SELECT * FROM versions WHERE id = $1', [id], client);
    return rows[0] === undefined ? undefined : toVersion(rows[0]);
  }

  /** In the order of `ids`, each once; unknown ids are left out. One query (the ids as one array parameter). */
  async getVersions(ids: readonly string[]): Promise<VersionRecord[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const { rows } = await this.#connection.query('SELECT * FROM versions WHERE id = ANY($1::text[])', [unique]);
    const found = new Map(rows.map((row) => {
      const version = toVersion(row);
      return [version.id, version] as const;
    }));
    return unique.flatMap((id) => {
      const version = found.get(id);
      return version === undefined ? [] : [version];
    });
  }

  /** The counter migration 3's trigger moves on every artifact write (BIGINT: read back as text). */
  async changeMark(): Promise<number> {
    const { rows } = await this.#connection.query('SELECT counter FROM artifact_changes WHERE id = 1', []);
    return rows[0] === undefined ? 0 : Number(rows[0]['counter']);
  }

  /** Oldest first (by number). */
  async listVersions(artifactId: string): Promise<VersionRecord[]> {
    const { rows } = await this.#connection.query('SELECT * FROM versions WHERE artifact_id = $1 ORDER BY number', [artifactId]);
    return rows.map(toVersion);
  }

  async #lockAndCheckHead(client: pg.PoolClient, artifactId: string, expectedHeadVersionId: string): Promise<void> {
    const { rows } = await this.#connection.query('SELECT * FROM artifacts WHERE id = $1 FOR UPDATE', [artifactId], client);
    if (rows[0] === undefined) throw new NotFoundError('artifact', artifactId);
    const current = toArtifact(rows[0]);
    if (current.headVersionId !== expectedHeadVersionId) {
      throw new VersionConflictError(`artifact ${current.kind}/${current.name}`, expectedHeadVersionId, current.headVersionId);
    }
  }

  async #insertVersion(
    client: pg.PoolClient,
    versionId: string,
    artifactId: string,
    versionNumber: number,
    version: NewVersion,
    defaultParents: string[],
    now: number,
  ): Promise<VersionRecord> {
    const record: VersionRecord = structuredClone({
      id: versionId,
      artifactId,
      number: versionNumber,
      parentIds: version.parentIds ?? defaultParents,
      content: version.content,
      message: version.message,
      trajectoryIds: version.trajectoryIds ?? [],
      evaluation: version.evaluation ?? {},
      createdAt: now,
    });
    await this.#connection.query(
      `INSERT INTO versions (id, artifact_id, number, parent_ids, content, message, trajectory_ids, evaluation, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        record.id,
        artifactId,
        versionNumber,
        toJsonText(record.parentIds),
        toJsonText(record.content),
        encodeText(record.message),
        toJsonText(record.trajectoryIds),
        toJsonText(record.evaluation),
        now,
      ],
      client,
    );
    return record;
  }
}

function toArtifact(row: PostgresRow): ArtifactRecord {
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

function toVersion(row: PostgresRow): VersionRecord {
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
