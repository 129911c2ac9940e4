import { NotFoundError, StoreError, VersionConflictError } from '../core/errors.ts';
import { createId } from '../core/ids.ts';
import { sameJson, type JsonObject, type JsonValue } from '../core/json.ts';
import { latestSchemaVersion } from '../store/sqlite/migrations.ts';
import { newArtifactRecord, newVersionRecord } from '../store/record-builders.ts';
import type * as records from '../store/records.ts';
import { storeSpecificationVersion, type Store } from '../store/types.ts';

/**
 * A Store held in plain maps, for users' tests: nothing touches the disk and each call returns an
 * independent, empty store. It is a second implementation of the contract, written without SQL, and
 * passes the same conformance suite as the SQLite store (test/store/conformance.ts). Records are
 * copied in and out, so a caller that mutates a returned object cannot change what is stored.
 */
export function createMemoryStore(options: { now?: () => number } = {}): Store {
  return new MemoryStore(options.now ?? Date.now);
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

function byCreatedThenId(left: { createdAt: number; id: string }, right: { createdAt: number; id: string }): number {
  if (left.createdAt !== right.createdAt) return left.createdAt - right.createdAt;
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function page<T extends { sequence?: number }>(items: readonly T[], options: { afterSequence?: number; limit?: number }): T[] {
  const after = options.afterSequence ?? 0;
  const selected = items.filter((item) => (item.sequence ?? 0) > after);
  return options.limit === undefined ? selected : selected.slice(0, Math.max(0, Math.floor(options.limit)));
}

function limited<T>(items: T[], limit: number | undefined): T[] {
  return limit === undefined ? items : items.slice(0, Math.max(0, Math.floor(limit)));
}

class MemoryStore implements Store {
  readonly specificationVersion = storeSpecificationVersion;
  readonly kind = 'memory';
  readonly location = 'memory';
  readonly #now: () => number;
  #closed = false;
  readonly #runs = new Map<string, records.RunRecord>();
  readonly #programs = new Map<string, records.ProgramRecord>();
  /** Each run's programs in sequence order; sequences are dense, so the next one is length + 1. */
  readonly #programsByRun = new Map<string, records.ProgramRecord[]>();
  readonly #trajectories = new Map<string, records.TrajectoryRecord>();
  readonly #steps = new Map<string, records.TrajectoryStep[]>();
  readonly #artifacts = new Map<string, records.ArtifactRecord>();
  readonly #artifactIdsByName = new Map<string, string>();
  readonly #versions = new Map<string, records.VersionRecord>();
  readonly #versionsByArtifact = new Map<string, records.VersionRecord[]>();
  /** Moves with every artifact write, as the SQL stores' artifact_changes counter. */
  #artifactChanges = 0;
  readonly #events = new Map<string, records.StoredEvent[]>();
  readonly #state = new Map<string, string>();

  constructor(now: () => number) {
    this.#now = now;
  }

  async schemaVersion(): Promise<number> {
    this.#checkOpen('read the schema version');
    return latestSchemaVersion;
  }

  async createRun(run: records.NewRun): Promise<records.RunRecord> {
    this.#checkOpen('create a run');
    const id = run.id ?? createId('run');
    if (this.#runs.has(id)) throw new StoreError(`run already exists: ${id}`, { code: 'run-exists' });
    const now = this.#now();
    const record: records.RunRecord = { id, kind: run.kind, name: run.name, status: 'running', config: copy(run.config), summary: {}, createdAt: now, updatedAt: now };
    this.#runs.set(id, record);
    return copy(record);
  }

  async getRun(id: string): Promise<records.RunRecord | undefined> {
    this.#checkOpen('read a run');
    const run = this.#runs.get(id);
    return run === undefined ? undefined : copy(run);
  }

  async listRuns(filter: { kind?: records.RunKind; limit?: number } = {}): Promise<records.RunRecord[]> {
    this.#checkOpen('list runs');
    const runs = [...this.#runs.values()].filter((run) => filter.kind === undefined || run.kind === filter.kind);
    runs.sort((left, right) => byCreatedThenId(right, left));
    return limited(runs, filter.limit).map(copy);
  }

  async updateRun(id: string, patch: records.RunPatch): Promise<records.RunRecord> {
    this.#checkOpen('update a run');
    const run = this.#runs.get(id);
    if (run === undefined) throw new NotFoundError('run', id);
    if (patch.status !== undefined) run.status = patch.status;
    if (patch.summary !== undefined) run.summary = copy(patch.summary);
    if (patch.config !== undefined) run.config = copy(patch.config);
    run.updatedAt = this.#now();
    return copy(run);
  }

  async putProgram(program: records.ProgramRecord): Promise<records.ProgramRecord> {
    this.#checkOpen('store a program');
    const existing = this.#programs.get(program.id);
    if (existing !== undefined) return copy(existing);
    if (!this.#runs.has(program.runId)) throw new NotFoundError('run', program.runId);
    const ofRun = this.#programsByRun.get(program.runId) ?? [];
    const record: records.ProgramRecord = { ...copy(program), sequence: ofRun.length + 1 };
    ofRun.push(record);
    this.#programsByRun.set(program.runId, ofRun);
    this.#programs.set(record.id, record);
    return copy(record);
  }

  async getProgram(id: string): Promise<records.ProgramRecord | undefined> {
    this.#checkOpen('read a program');
    const program = this.#programs.get(id);
    return program === undefined ? undefined : copy(program);
  }

  async listPrograms(runId: string, options: { afterSequence?: number; limit?: number } = {}): Promise<records.ProgramRecord[]> {
    this.#checkOpen('list programs');
    return page(this.#programsByRun.get(runId) ?? [], options).map(copy);
  }

  async listProgramSummaries(runId: string, options: { afterSequence?: number; limit?: number } = {}): Promise<records.ProgramSummary[]> {
    this.#checkOpen('list program summaries');
    return page(this.#programsByRun.get(runId) ?? [], options).map((program) => {
      const { files: _files, diff: _diff, prompt: _prompt, reply: _reply, artifacts: _artifacts, ...summary } = program;
      return copy(summary);
    });
  }

  async countPrograms(runId: string): Promise<number> {
    this.#checkOpen('count programs');
    return this.#programsByRun.get(runId)?.length ?? 0;
  }

  async putTrajectory(trajectory: records.TrajectoryRecord): Promise<void> {
    this.#checkOpen('store a trajectory');
    if (trajectory.runId !== null && !this.#runs.has(trajectory.runId)) throw new NotFoundError('run', trajectory.runId);
    this.#trajectories.set(trajectory.id, copy(trajectory));
  }

  async appendTrajectoryStep(trajectoryId: string, step: records.TrajectoryStep): Promise<void> {
    this.#checkOpen('append a trajectory step');
    if (!this.#trajectories.has(trajectoryId)) throw new NotFoundError('trajectory', trajectoryId);
    const steps = this.#steps.get(trajectoryId) ?? [];
    if (steps.some((existing) => existing.index === step.index)) {
      throw new StoreError(`trajectory ${trajectoryId} already has a step ${step.index}`, { code: 'trajectory-step-exists' });
    }
    steps.push(copy(step));
    steps.sort((left, right) => left.index - right.index);
    this.#steps.set(trajectoryId, steps);
  }

  async getTrajectory(id: string): Promise<records.TrajectoryWithSteps | undefined> {
    this.#checkOpen('read a trajectory');
    const trajectory = this.#trajectories.get(id);
    if (trajectory === undefined) return undefined;
    return copy({ ...trajectory, steps: this.#steps.get(id) ?? [] });
  }

  async listTrajectories(filter: { runId?: string; taskId?: string; limit?: number } = {}): Promise<records.TrajectoryRecord[]> {
    this.#checkOpen('list trajectories');
    const selected = [...this.#trajectories.values()].filter(
      (trajectory) =>
        (filter.runId === undefined || trajectory.runId === filter.runId) &&
        (filter.taskId === undefined || trajectory.taskId === filter.taskId),
    );
    selected.sort(byCreatedThenId);
    return limited(selected, filter.limit).map(copy);
  }

  async createArtifact(artifact: records.NewArtifact, version: records.NewVersion): Promise<{ artifact: records.ArtifactRecord; version: records.VersionRecord }> {
    this.#checkOpen('create an artifact');
    const nameKey = `${artifact.kind}\u0000${artifact.name}`;
    const existingId = this.#artifactIdsByName.get(nameKey);
    if (existingId !== undefined) {
      throw new VersionConflictError(`artifact ${artifact.kind}/${artifact.name}`, null, this.#artifacts.get(existingId)?.headVersionId ?? null);
    }
    const now = this.#now();
    const artifactId = createId('art');
    const first = this.#addVersion(artifactId, 1, version, [], now);
    const record = newArtifactRecord({ id: artifactId, kind: artifact.kind, name: artifact.name, status: artifact.status, headVersionId: first.id, createdAt: now });
    this.#artifacts.set(artifactId, record);
    this.#artifactChanges += 1;
    this.#artifactIdsByName.set(nameKey, artifactId);
    return { artifact: copy(record), version: copy(first) };
  }

  async getArtifact(id: string): Promise<records.ArtifactRecord | undefined> {
    this.#checkOpen('read an artifact');
    const artifact = this.#artifacts.get(id);
    return artifact === undefined ? undefined : copy(artifact);
  }

  async findArtifact(kind: records.ArtifactKind, name: string): Promise<records.ArtifactRecord | undefined> {
    this.#checkOpen('find an artifact');
    const id = this.#artifactIdsByName.get(`${kind}\u0000${name}`);
    const artifact = id === undefined ? undefined : this.#artifacts.get(id);
    return artifact === undefined ? undefined : copy(artifact);
  }

  async listArtifacts(filter: { kind?: records.ArtifactKind; status?: records.ArtifactStatus } = {}): Promise<records.ArtifactRecord[]> {
    this.#checkOpen('list artifacts');
    const selected = [...this.#artifacts.values()].filter(
      (artifact) => (filter.kind === undefined || artifact.kind === filter.kind) && (filter.status === undefined || artifact.status === filter.status),
    );
    selected.sort((left, right) => compareText(left.kind, right.kind) || compareText(left.name, right.name));
    return selected.map(copy);
  }

  async commitVersion(artifactId: string, version: records.NewVersion, expectedHeadVersionId: string): Promise<records.VersionRecord> {
    this.#checkOpen('commit a version');
    const artifact = this.#headChecked(artifactId, expectedHeadVersionId);
    const highest = this.#versionsByArtifact.get(artifactId)?.at(-1)?.number ?? 0;
    const now = this.#now();
    const created = this.#addVersion(artifactId, highest + 1, version, [expectedHeadVersionId], now);
    artifact.headVersionId = created.id;
    artifact.headNumber = created.number;
    artifact.updatedAt = now;
    this.#artifactChanges += 1;
    return copy(created);
  }

  async setHead(artifactId: string, versionId: string, expectedHeadVersionId: string): Promise<records.ArtifactRecord> {
    this.#checkOpen('move an artifact head');
    const artifact = this.#headChecked(artifactId, expectedHeadVersionId);
    const target = this.#versions.get(versionId);
    if (target === undefined || target.artifactId !== artifactId) throw new NotFoundError(`version of artifact ${artifactId}`, versionId);
    artifact.headVersionId = target.id;
    artifact.headNumber = target.number;
    artifact.updatedAt = this.#now();
    this.#artifactChanges += 1;
    return copy(artifact);
  }

  async setArtifactStatus(artifactId: string, status: records.ArtifactStatus): Promise<records.ArtifactRecord> {
    this.#checkOpen('set an artifact status');
    const artifact = this.#artifacts.get(artifactId);
    if (artifact === undefined) throw new NotFoundError('artifact', artifactId);
    artifact.status = status;
    artifact.updatedAt = this.#now();
    this.#artifactChanges += 1;
    return copy(artifact);
  }

  async recordArtifactUse(
    artifactId: string,
    outcome: records.ArtifactUseOutcome,
  ): Promise<records.ArtifactRecord> {
    this.#checkOpen('record an artifact use');
    const artifact = this.#artifacts.get(artifactId);
    if (artifact === undefined) throw new NotFoundError('artifact', artifactId);
    artifact.uses += 1;
    if (outcome.success === true) artifact.successes += 1;
    if (outcome.helpful === true) artifact.helpful += 1;
    if (outcome.harmful === true) artifact.harmful += 1;
    artifact.updatedAt = this.#now();
    this.#artifactChanges += 1;
    return copy(artifact);
  }

  async getVersion(id: string): Promise<records.VersionRecord | undefined> {
    this.#checkOpen('read a version');
    const version = this.#versions.get(id);
    return version === undefined ? undefined : copy(version);
  }

  async getVersions(ids: readonly string[]): Promise<records.VersionRecord[]> {
    this.#checkOpen('read versions');
    return [...new Set(ids)].flatMap((id) => {
      const version = this.#versions.get(id);
      return version === undefined ? [] : [copy(version)];
    });
  }

  async artifactChangeMark(): Promise<number> {
    this.#checkOpen('read the artifact change mark');
    return this.#artifactChanges;
  }

  async listVersions(artifactId: string): Promise<records.VersionRecord[]> {
    this.#checkOpen('list versions');
    return (this.#versionsByArtifact.get(artifactId) ?? []).map(copy);
  }

  async appendEvent(runId: string, type: string, data: JsonObject): Promise<records.StoredEvent> {
    this.#checkOpen('append an event');
    if (!this.#runs.has(runId)) throw new NotFoundError('run', runId);
    const events = this.#events.get(runId) ?? [];
    const event: records.StoredEvent = { runId, sequence: events.length + 1, type, at: this.#now(), data: copy(data) };
    events.push(event);
    this.#events.set(runId, events);
    return copy(event);
  }

  async listEvents(runId: string, options: { afterSequence?: number; limit?: number } = {}): Promise<records.StoredEvent[]> {
    this.#checkOpen('list events');
    return page(this.#events.get(runId) ?? [], options).map(copy);
  }

  async putState(scope: string, key: string, value: JsonValue): Promise<void> {
    this.#checkOpen('store state');
    // Kept as JSON text, so what reads back is exactly what a database store would return.
    this.#state.set(`${scope}\u0000${key}`, JSON.stringify(value));
  }

  async getState(scope: string, key: string): Promise<JsonValue | undefined> {
    this.#checkOpen('read state');
    const text = this.#state.get(`${scope}\u0000${key}`);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  }

  async compareAndSetState(scope: string, key: string, expected: JsonValue | undefined, next: JsonValue | undefined): Promise<boolean> {
    this.#checkOpen('compare and set state');
    // No await between the read and the write: on one event loop the pair is atomic.
    const name = `${scope}\u0000${key}`;
    const text = this.#state.get(name);
    const current = text === undefined ? undefined : (JSON.parse(text) as JsonValue);
    const matches = current === undefined || expected === undefined ? current === expected : sameJson(current, expected);
    if (!matches) return false;
    if (next === undefined) this.#state.delete(name);
    else this.#state.set(name, JSON.stringify(next));
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #checkOpen(action: string): void {
    if (this.#closed) throw new StoreError(`store is closed (tried to ${action})`, { code: 'store-closed' });
  }

  #headChecked(artifactId: string, expectedHeadVersionId: string): records.ArtifactRecord {
    const artifact = this.#artifacts.get(artifactId);
    if (artifact === undefined) throw new NotFoundError('artifact', artifactId);
    if (artifact.headVersionId !== expectedHeadVersionId) {
      throw new VersionConflictError(`artifact ${artifact.kind}/${artifact.name}`, expectedHeadVersionId, artifact.headVersionId);
    }
    return artifact;
  }

  #addVersion(artifactId: string, versionNumber: number, version: records.NewVersion, defaultParents: string[], now: number): records.VersionRecord {
    const record = copy(newVersionRecord({ id: createId('ver'), artifactId, number: versionNumber, version, defaultParentIds: defaultParents, createdAt: now }));
    this.#versions.set(record.id, record);
    const versions = this.#versionsByArtifact.get(artifactId) ?? [];
    versions.push(record);
    this.#versionsByArtifact.set(artifactId, versions);
    return record;
  }
}
