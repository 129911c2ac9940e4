import { createId } from '../core/ids.ts';
import type { JsonObject } from '../core/json.ts';
import { contentToJson, type ContentByKind } from '../library/artifact-content.ts';
import type { Curator, LibraryPlacement } from '../library/curate/curator.ts';
import { mergeContent } from '../library/curate/merge-content.ts';
import type { Library } from '../library/library.ts';
import type { LibraryEntry } from '../library/library-types.ts';
import { newArtifactRecord, newVersionRecord } from '../store/record-builders.ts';
import type { VersionRecord } from '../store/types.ts';
import type { Overlay } from './gate.ts';
import type { LearnableKind, LibraryProposal } from './proposals.ts';

/**
 * Turning a validated proposal into a concrete change: curation decides whether an `add` is new
 * or folds into a near neighbour; the change is shown to the gate as an overlay; and, if accepted,
 * committed with its figures and the trajectories that led to it.
 */
export type PlannedChange =
  | { op: 'add'; kind: LearnableKind; name: string; content: ContentByKind[LearnableKind]; placement: LibraryPlacement }
  | {
      op: 'update';
      kind: LearnableKind;
      target: LibraryEntry;
      content: ContentByKind[LearnableKind];
      /** True when curation folded a proposed addition into this similar artifact. */
      curatedMerge: boolean;
      incoming: ContentByKind[LearnableKind];
    }
  | { op: 'merge'; kind: LearnableKind; target: LibraryEntry; sources: LibraryEntry[]; content: ContentByKind[LearnableKind] }
  | { op: 'retire'; kind: LearnableKind; target: LibraryEntry };

/**
 * `unchanged`: the change would leave the active artifact exactly as it is (an update or a fold
 * whose content equals the head's): not a version and not a commit, so it skips the gate too.
 */
export type PlanResult = { ok: true; change: PlannedChange } | { ok: false; reason: string } | { ok: 'unchanged'; reason: string; target: LibraryEntry };

export async function planChange(proposal: LibraryProposal, library: Library, curator: Curator): Promise<PlanResult> {
  const plan = await planFromHead(proposal, library, curator);
  if (plan.ok !== true || (plan.change.op !== 'update' && plan.change.op !== 'merge')) return plan;
  const change = plan.change;
  // A merge retires its sources, which is a change even when the target's text stays; a retired
  // or candidate target with the same text is reactivated, which is a change too.
  if (change.op === 'update' && change.target.status === 'active' && sameContent(change.content, change.target.version.content)) {
    const what = `${change.kind} ${change.target.name}`;
    const reason = change.curatedMerge
      ? `folding the proposal into ${what} adds nothing to v${change.target.version.number}`
      : `the content equals the head of ${what} (v${change.target.version.number})`;
    return { ok: 'unchanged', reason, target: change.target };
  }
  return plan;
}

async function planFromHead(proposal: LibraryProposal, library: Library, curator: Curator): Promise<PlanResult> {
  const { kind, name } = proposal;
  const existing = await library.get(kind, name);
  switch (proposal.op) {
    case 'add': {
      const content = proposal.content!;
      if (existing !== undefined) {
        // The name is taken (perhaps retired): the proposal becomes its next version.
        return { ok: true, change: { op: 'update', kind, target: existing, content, curatedMerge: false, incoming: content } };
      }
      const placement = await curator.place(kind, name, content);
      if (placement.action === 'merge') {
        const target = placement.target;
        const merged = mergeContent(kind, target.content as ContentByKind[LearnableKind], content);
        return { ok: true, change: { op: 'update', kind, target, content: merged, curatedMerge: true, incoming: content } };
      }
      return { ok: true, change: { op: 'add', kind, name, content, placement } };
    }
    case 'update':
      if (existing === undefined) return { ok: false, reason: `cannot update unknown ${kind} ${name}` };
      return { ok: true, change: { op: 'update', kind, target: existing, content: proposal.content!, curatedMerge: false, incoming: proposal.content! } };
    case 'merge': {
      if (existing === undefined) return { ok: false, reason: `cannot merge into unknown ${kind} ${name}` };
      const sources: LibraryEntry[] = [];
      for (const sourceName of proposal.sources ?? []) {
        const source = await library.get(kind, sourceName);
        if (source === undefined || source.status === 'retired') return { ok: false, reason: `cannot merge unknown or retired ${kind} ${sourceName}` };
        sources.push(source);
      }
      return { ok: true, change: { op: 'merge', kind, target: existing, sources, content: proposal.content! } };
    }
    case 'retire':
      if (existing === undefined || existing.status === 'retired') return { ok: false, reason: `cannot retire unknown or retired ${kind} ${name}` };
      return { ok: true, change: { op: 'retire', kind, target: existing } };
  }
}

/** The change as the index should show it while the gate tries it. */
export function overlayFor(change: PlannedChange): Overlay {
  switch (change.op) {
    case 'add': {
      const now = Date.now();
      const artifactId = createId('prp');
      const versionId = createId('prv');
      const entry: LibraryEntry = {
        kind: change.kind,
        name: change.name,
        status: 'active',
        artifact: newArtifactRecord({ id: artifactId, kind: change.kind, name: change.name, status: 'active', headVersionId: versionId, createdAt: now }),
        version: proposedVersion(versionId, artifactId, 1, [], change.content),
        content: change.content,
        utility: 0.5,
      };
      return { entries: [entry] };
    }
    case 'update':
    case 'merge': {
      const target = change.target;
      const versionId = createId('prv');
      const entry: LibraryEntry = {
        ...target,
        status: 'active',
        artifact: { ...target.artifact, status: 'active', headVersionId: versionId },
        version: proposedVersion(versionId, target.artifact.id, target.version.number + 1, [target.version.id], change.content),
        content: change.content,
      };
      return { entries: [entry], ...(change.op === 'merge' ? { hide: change.sources.map((source) => source.artifact.id) } : {}) };
    }
    case 'retire':
      return { hide: [change.target.artifact.id] };
  }
}

export interface CommitOptions {
  message: string;
  trajectoryIds: string[];
  evaluation: JsonObject;
}

export interface CommitResult {
  entry: LibraryEntry;
  /**
   * False when nothing was written: the content equalled the head's when the commit ran (a fold
   * recomputed on a head that moved can come out equal) and the artifact was already active.
   */
  changed: boolean;
}

/**
 * Commits an accepted change. A change the model wrote against a head that has since moved is
 * refused with a VersionConflictError (reported, never silently overwriting the other writer);
 * a curated merge is recomputed from the new head instead, since it only appends.
 */
export async function commitChange(library: Library, change: PlannedChange, options: CommitOptions): Promise<CommitResult> {
  const provenance = { message: options.message, trajectoryIds: options.trajectoryIds, evaluation: options.evaluation };
  switch (change.op) {
    case 'add':
      return { entry: await library.add(change.kind, change.name, change.content, { ...provenance, status: 'active' }), changed: true };
    case 'update': {
      // The head each attempt computed from: an update that returns it made no version.
      let base = change.target.version.id;
      const updated = change.curatedMerge
        ? await library.update(
            change.kind,
            change.target.name,
            (current) => {
              base = current.version.id;
              return mergeContent(change.kind, current.content as ContentByKind[LearnableKind], change.incoming);
            },
            provenance,
          )
        : await library.update(change.kind, change.target.name, change.content, { ...provenance, expectedHeadVersionId: change.target.version.id });
      const versioned = updated.version.id !== base;
      if (updated.status === 'active') return { entry: updated, changed: versioned };
      return { entry: await library.activate(change.kind, change.target.name), changed: true };
    }
    case 'merge': {
      const entry = await library.merge(
        change.kind,
        change.target.name,
        change.sources.map((source) => source.name),
        change.content,
        { ...provenance, expectedHeadVersionId: change.target.version.id },
      );
      return { entry, changed: true };
    }
    case 'retire': {
      const entry = await library.retire(change.kind, change.target.name);
      return { entry, changed: change.target.status !== 'retired' };
    }
  }
}

/**
 * After a crash between a commit and its record: finds the version that carries `proposalId` in
 * its evaluation and completes what the commit had left (a merge's sources retired, an updated
 * artifact active). Returns undefined when the commit never landed. A retirement leaves no version:
 * the artifact being retired is taken as the proof.
 */
export async function completeLandedCommit(
  library: Library,
  intent: { op: 'add' | 'update' | 'merge' | 'retire'; kind: LearnableKind; name: string; sources: readonly string[] },
  proposalId: string,
): Promise<{ entry: LibraryEntry; version: VersionRecord } | undefined> {
  const entry = await library.get(intent.kind, intent.name);
  if (entry === undefined) return undefined;
  if (intent.op === 'retire') return entry.status === 'retired' ? { entry, version: entry.version } : undefined;
  const version = (await library.history(intent.kind, intent.name)).find((candidate) => candidate.evaluation['proposalId'] === proposalId);
  if (version === undefined) return undefined;
  if (intent.op === 'merge') {
    for (const source of intent.sources) {
      const current = await library.get(intent.kind, source);
      if (current !== undefined && current.status !== 'retired') await library.retire(intent.kind, source);
    }
  } else if (entry.status !== 'active') {
    return { entry: await library.activate(intent.kind, intent.name), version };
  }
  return { entry, version };
}

export function describeChange(change: PlannedChange): { op: string; kind: string; name: string } {
  const name = change.op === 'add' ? change.name : change.target.name;
  const op = change.op === 'update' && change.curatedMerge ? 'merge' : change.op;
  return { op, kind: change.kind, name };
}

function sameContent(content: ContentByKind[LearnableKind], stored: VersionRecord['content']): boolean {
  return JSON.stringify(contentToJson(content)) === JSON.stringify(stored);
}

function proposedVersion(id: string, artifactId: string, number: number, parentIds: string[], content: ContentByKind[LearnableKind]): LibraryEntry['version'] {
  return newVersionRecord({ id, artifactId, number, version: { content: contentToJson(content), message: 'proposed' }, defaultParentIds: parentIds, createdAt: Date.now() });
}
