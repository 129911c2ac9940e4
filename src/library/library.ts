import { NotFoundError, StoreError, UsageError, VersionConflictError } from '../core/errors.ts';
import type { ArtifactRecord, ArtifactStatus, Store, VersionRecord } from '../store/types.ts';
import {
  checkContent,
  contentToJson,
  isLibraryKind,
  validateArtifactName,
  type ContentByKind,
  type LibraryKind,
} from './artifact-content.ts';
import { renderArtifactText } from './artifact-files.ts';
import type { LibraryMirror } from './library-mirror.ts';
import type { AddOptions, ChangeOptions, LibraryChange, LibraryEntry, UpdateOptions } from './library-types.ts';
import { unifiedDiff } from '../core/text-diff.ts';
import { utilityScore } from './utility.ts';
import { definedOnly } from '../core/defined-only.ts';

export interface LibraryOptions {
  store: Store;
  /** Where the plain-file mirror lives; no mirror when absent. */
  mirror?: LibraryMirror;
  /** How many times a change computed from the head is recomputed after losing a race. Default 8. */
  maxConflictRetries?: number;
}

/**
 * The versioned library of skills, lessons, guardrails, tools and prompts over a Store. Every
 * content change is a new immutable version committed with the store's optimistic head check, so
 * two processes sharing one store never lose an update: a change given as a function of the
 * current entry is recomputed on a conflict; a change based on a head the caller names is reported.
 */
export class Library {
  readonly store: Store;
  readonly mirror: LibraryMirror | undefined;
  readonly #maxConflictRetries: number;
  readonly #listeners = new Set<(change: LibraryChange) => void>();
  #batchDepth = 0;

  constructor(options: LibraryOptions) {
    this.store = options.store;
    this.mirror = options.mirror;
    this.#maxConflictRetries = options.maxConflictRetries ?? 8;
  }

  /** Listens to committed changes (after the store commit and the mirror write). */
  onChange(listener: (change: LibraryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs many changes with the mirror's manifest written once at the end instead of after each
   * (an import of a thousand skills would otherwise rewrite it a thousand times).
   */
  async batch<T>(body: () => Promise<T>): Promise<T> {
    this.#batchDepth += 1;
    try {
      return await body();
    } finally {
      this.#batchDepth -= 1;
      if (this.#batchDepth === 0) await this.#writeManifest();
    }
  }

  async get<K extends LibraryKind>(kind: K, name: string): Promise<LibraryEntry<K> | undefined> {
    const artifact = await this.store.findArtifact(kind, name);
    return artifact === undefined ? undefined : this.entryFor<K>(artifact);
  }

  async require<K extends LibraryKind>(kind: K, name: string): Promise<LibraryEntry<K>> {
    const entry = await this.get(kind, name);
    if (entry === undefined) throw new NotFoundError(kind, name);
    return entry;
  }

  /** Entries ordered by kind then name; `program` artifacts (evolve's) are not part of the library. */
  async list(filter: { kind?: LibraryKind; status?: ArtifactStatus } = {}): Promise<LibraryEntry[]> {
    const artifacts = await this.store.listArtifacts(filter);
    return this.entriesFor(artifacts.filter((artifact) => isLibraryKind(artifact.kind)));
  }

  async add<K extends LibraryKind>(kind: K, name: string, content: unknown, options: AddOptions = {}): Promise<LibraryEntry<K>> {
    const nameProblems = validateArtifactName(name);
    if (nameProblems.length > 0) throw new UsageError(`invalid ${kind} name "${name}": ${nameProblems.join('; ')}`);
    const parsed = this.#checked(kind, content);
    const { artifact, version } = await this.store.createArtifact(
      { kind, name, status: options.status ?? 'active' },
      {
        content: contentToJson(parsed),
        message: options.message ?? `add ${kind} ${name}`,
        ...definedOnly({ parentIds: options.parentIds }),
        ...provenance(options),
      },
    );
    const entry = toEntry(kind, artifact, version, parsed);
    await this.#publish({ type: 'artifact-added', entry });
    return entry;
  }

  /**
   * Commits a new version. `change` is new content, or a function of the current entry returning
   * new content (or undefined for no change). Content equal to the head's makes no version.
   */
  async update<K extends LibraryKind>(
    kind: K,
    name: string,
    change: ((current: LibraryEntry<K>) => unknown) | object,
    options: UpdateOptions = {},
  ): Promise<LibraryEntry<K>> {
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.require(kind, name);
      if (options.expectedHeadVersionId !== undefined && current.version.id !== options.expectedHeadVersionId) {
        throw new VersionConflictError(`${kind} ${name}`, options.expectedHeadVersionId, current.version.id);
      }
      const proposed = typeof change === 'function' ? (change as (entry: LibraryEntry<K>) => unknown)(current) : change;
      if (proposed === undefined) return current;
      const parsed = this.#checked(kind, proposed);
      const json = contentToJson(parsed);
      if (JSON.stringify(json) === JSON.stringify(current.version.content) && options.extraParentIds === undefined) {
        return current;
      }
      try {
        const version = await this.store.commitVersion(
          current.artifact.id,
          {
            content: json,
            message: options.message ?? `update ${kind} ${name}`,
            parentIds: [current.version.id, ...(options.extraParentIds ?? [])],
            ...provenance(options),
          },
          current.version.id,
        );
        const artifact = await this.#requireArtifact(current.artifact.id);
        const entry = toEntry(kind, artifact, version, parsed);
        await this.#publish({ type: 'artifact-updated', entry });
        return entry;
      } catch (error) {
        const retry =
          error instanceof VersionConflictError &&
          options.expectedHeadVersionId === undefined &&
          attempt < this.#maxConflictRetries;
        if (!retry) throw error;
        // A short random pause keeps two writers from colliding in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
      }
    }
  }

  /**
   * Folds `sourceNames` into `targetName`: the target gets a version whose parents are its head and
   * every source's head, and the sources are retired.
   */
  async merge<K extends LibraryKind>(
    kind: K,
    targetName: string,
    sourceNames: readonly string[],
    mergedContent: ((target: LibraryEntry<K>) => unknown) | object,
    options: ChangeOptions & { expectedHeadVersionId?: string } = {},
  ): Promise<LibraryEntry<K>> {
    const sources: LibraryEntry<K>[] = [];
    for (const sourceName of sourceNames) {
      if (sourceName === targetName) throw new UsageError(`cannot merge ${kind} ${targetName} into itself`);
      sources.push(await this.require(kind, sourceName));
    }
    await this.update(kind, targetName, mergedContent, {
      ...options,
      message: options.message ?? `merge ${sourceNames.join(', ')} into ${targetName}`,
      extraParentIds: sources.map((source) => source.version.id),
    });
    for (const source of sources) await this.setStatus(kind, source.name, 'retired');
    // Re-read: another writer may have moved the target since the update returned.
    const entry = await this.require(kind, targetName);
    await this.#publish({ type: 'artifact-merged', entry, sources: [...sourceNames] });
    return entry;
  }

  async setStatus<K extends LibraryKind>(kind: K, name: string, status: ArtifactStatus): Promise<LibraryEntry<K>> {
    const current = await this.require(kind, name);
    if (current.status === status) return current;
    const artifact = await this.store.setArtifactStatus(current.artifact.id, status);
    const entry = toEntry(kind, artifact, current.version, current.content);
    await this.#publish({ type: 'artifact-status-changed', entry, from: current.status });
    return entry;
  }

  retire<K extends LibraryKind>(kind: K, name: string): Promise<LibraryEntry<K>> {
    return this.setStatus(kind, name, 'retired');
  }

  activate<K extends LibraryKind>(kind: K, name: string): Promise<LibraryEntry<K>> {
    return this.setStatus(kind, name, 'active');
  }

  /** Moves the head back to version `number`, exactly as it was committed. */
  async rollback<K extends LibraryKind>(kind: K, name: string, versionNumber: number): Promise<LibraryEntry<K>> {
    const current = await this.require(kind, name);
    const target = await this.version(kind, name, versionNumber);
    if (target.version.id === current.version.id) return current;
    const artifact = await this.store.setHead(current.artifact.id, target.version.id, current.version.id);
    const entry = toEntry(kind, artifact, target.version, target.content);
    await this.#publish({ type: 'artifact-rolled-back', entry, fromNumber: current.version.number });
    return entry;
  }

  /** Every version, oldest first. */
  async history(kind: LibraryKind, name: string): Promise<VersionRecord[]> {
    const current = await this.require(kind, name);
    return this.store.listVersions(current.artifact.id);
  }

  async version<K extends LibraryKind>(kind: K, name: string, versionNumber: number): Promise<{ version: VersionRecord; content: ContentByKind[K] }> {
    const versions = await this.history(kind, name);
    const version = versions.find((candidate) => candidate.number === versionNumber);
    if (version === undefined) throw new NotFoundError(`version of ${kind} ${name}`, String(versionNumber));
    return { version, content: this.#stored(kind, name, version) };
  }

  /** A unified diff between two versions' files, as `diff -u` would show them. */
  async diff(kind: LibraryKind, name: string, fromNumber: number, toNumber: number): Promise<string> {
    const from = await this.version(kind, name, fromNumber);
    const to = await this.version(kind, name, toNumber);
    return unifiedDiff(renderArtifactText(kind, name, from.content), renderArtifactText(kind, name, to.content), {
      fromLabel: `${name}@${fromNumber}`,
      toLabel: `${name}@${toNumber}`,
    });
  }

  async recordUse(
    kind: LibraryKind,
    name: string,
    outcome: { success?: boolean; helpful?: boolean; harmful?: boolean },
  ): Promise<ArtifactRecord> {
    const current = await this.store.findArtifact(kind, name);
    if (current === undefined) throw new NotFoundError(kind, name);
    return this.store.recordArtifactUse(current.id, outcome);
  }

  /** Rewrites the whole mirror from the store (after an import, or to repair a hand-edited mirror). */
  async syncMirror(): Promise<void> {
    if (this.mirror === undefined) return;
    await this.mirror.rebuild(await this.list());
  }

  /** The entry for an artifact record already read from the store. */
  async entryFor<K extends LibraryKind>(artifact: ArtifactRecord): Promise<LibraryEntry<K>> {
    const version = await this.store.getVersion(artifact.headVersionId);
    if (version === undefined) throw new StoreError(`the head version ${artifact.headVersionId} of ${artifact.kind} ${artifact.name} is missing`);
    const kind = artifact.kind as K;
    return toEntry(kind, artifact, version, this.#stored(kind, artifact.name, version));
  }

  /**
   * The entries for many artifact records, in their order, with every head version read in one
   * bulk store call: one read per artifact made a 10k-item library take seconds to index.
   */
  async entriesFor(artifacts: readonly ArtifactRecord[]): Promise<LibraryEntry[]> {
    const versions = new Map((await this.store.getVersions(artifacts.map((artifact) => artifact.headVersionId))).map((version) => [version.id, version]));
    return artifacts.map((artifact) => {
      const version = versions.get(artifact.headVersionId);
      if (version === undefined) throw new StoreError(`the head version ${artifact.headVersionId} of ${artifact.kind} ${artifact.name} is missing`);
      const kind = artifact.kind as LibraryKind;
      return toEntry(kind, artifact, version, this.#stored(kind, artifact.name, version));
    });
  }

  async #requireArtifact(id: string): Promise<ArtifactRecord> {
    const artifact = await this.store.getArtifact(id);
    if (artifact === undefined) throw new NotFoundError('artifact', id);
    return artifact;
  }

  #checked<K extends LibraryKind>(kind: K, content: unknown): ContentByKind[K] {
    const check = checkContent(kind, content);
    if (!check.ok) throw new UsageError(`invalid ${kind} content: ${check.problems.join('; ')}`, { problems: check.problems });
    return check.content;
  }

  #stored<K extends LibraryKind>(kind: K, name: string, version: VersionRecord): ContentByKind[K] {
    const check = checkContent(kind, version.content);
    if (!check.ok) {
      throw new StoreError(`version ${version.number} of ${kind} ${name} holds invalid content: ${check.problems.join('; ')}`, {
        code: 'library-content-invalid',
      });
    }
    return check.content;
  }

  async #publish(change: LibraryChange): Promise<void> {
    // The store commit has happened; the mirror follows it, then listeners hear about it.
    if (this.mirror !== undefined) {
      await this.mirror.write(change.entry);
      if (this.#batchDepth === 0) await this.#writeManifest();
    }
    for (const listener of this.#listeners) listener(change);
  }

  async #writeManifest(): Promise<void> {
    if (this.mirror === undefined) return;
    await this.mirror.writeManifest((await this.store.listArtifacts()).filter((artifact) => isLibraryKind(artifact.kind)));
  }
}

function toEntry<K extends LibraryKind>(kind: K, artifact: ArtifactRecord, version: VersionRecord, content: ContentByKind[K]): LibraryEntry<K> {
  return { kind, name: artifact.name, status: artifact.status, artifact, version, content, utility: utilityScore(artifact) };
}

function provenance(options: ChangeOptions): { trajectoryIds?: string[]; evaluation?: ChangeOptions['evaluation'] & object } {
  return {
    ...definedOnly({ trajectoryIds: options.trajectoryIds, evaluation: options.evaluation }),
  };
}
