import type { ArtifactStatus } from '../../store/types.ts';
import { searchableText, type ContentByKind, type LibraryKind } from '../artifact-content.ts';
import type { Library } from '../library.ts';
import type { LibraryEntry } from '../library-types.ts';
import type { LibraryIndex } from '../retrieval/library-index.ts';
import { mergeThreshold, type MergeThreshold, type MergeThresholdPolicy } from './merge-threshold.ts';
import { createSimilarityScorer, type SimilarityScorer } from './similarity.ts';

/**
 * Keeping the library small and coherent: a proposal close to an existing artifact is merged into
 * it rather than added beside it; artifacts that keep failing are retired once they have been used
 * enough to judge; and each kind has a size budget, over which the least useful go first.
 */
export interface CurationPolicy {
  threshold?: MergeThresholdPolicy;
  /** Uses before utility is trusted enough to retire. Default 5. */
  retireAfterUses?: number;
  /** Utility ((successes + 1) / (uses + 2)) below which a well-used artifact is retired. Default 0.3. */
  retireBelowUtility?: number;
  /** Most live (active or candidate) artifacts per kind. Default 200. */
  maxLivePerKind?: number;
  /** How many artifacts the threshold's distribution is estimated from. Default 200. */
  thresholdSample?: number;
}

export interface Neighbour {
  entry: LibraryEntry;
  similarity: number;
}

export type LibraryPlacement =
  | { action: 'add'; nearest: Neighbour | undefined; threshold: MergeThreshold }
  | { action: 'update'; target: LibraryEntry; threshold: MergeThreshold }
  | { action: 'merge'; target: LibraryEntry; similarity: number; threshold: MergeThreshold };

export interface Retirement {
  entry: LibraryEntry;
  reason: 'low-utility' | 'over-budget';
}

const liveStatuses: readonly ArtifactStatus[] = ['active', 'candidate'];

export class Curator {
  readonly #index: LibraryIndex;
  readonly #scorer: SimilarityScorer;
  readonly #policy: Required<Omit<CurationPolicy, 'threshold'>> & { threshold: MergeThresholdPolicy };

  constructor(index: LibraryIndex, policy: CurationPolicy = {}, embed?: (text: string) => Promise<number[]>) {
    this.#index = index;
    this.#scorer = createSimilarityScorer(index, embed);
    this.#policy = {
      threshold: policy.threshold ?? {},
      retireAfterUses: policy.retireAfterUses ?? 5,
      retireBelowUtility: policy.retireBelowUtility ?? 0.3,
      maxLivePerKind: policy.maxLivePerKind ?? 200,
      thresholdSample: policy.thresholdSample ?? 200,
    };
  }

  /** The live artifacts of `kind` most similar to `text`, most similar first. */
  async nearest(kind: LibraryKind, text: string, count = 3, excludeId?: string): Promise<Neighbour[]> {
    // Retrieval narrows the field; the similarity measure then ranks it.
    const candidates = await this.#index.search(text, { kinds: [kind], statuses: liveStatuses, limit: 20 });
    const scored: Neighbour[] = [];
    for (const candidate of candidates) {
      if (candidate.id === excludeId) continue;
      scored.push({ entry: candidate.entry, similarity: await this.#scorer.toEntry(text, candidate.id) });
    }
    return scored.sort((a, b) => b.similarity - a.similarity).slice(0, count);
  }

  /** The merge threshold for `kind`, from the nearest-neighbour similarities of its live artifacts. */
  async threshold(kind: LibraryKind): Promise<MergeThreshold> {
    const entries = this.#live(kind).slice(0, this.#policy.thresholdSample);
    const similarities: number[] = [];
    for (const entry of entries) {
      const text = searchableText(entry.kind, entry.name, entry.content);
      const candidates = await this.#index.search(text, { kinds: [kind], statuses: liveStatuses, limit: 6 });
      let best = 0;
      for (const candidate of candidates) {
        if (candidate.id === entry.artifact.id) continue;
        best = Math.max(best, await this.#scorer.betweenEntries(entry.artifact.id, candidate.id));
      }
      similarities.push(best);
    }
    return mergeThreshold(similarities, this.#policy.threshold);
  }

  /** Where a proposed artifact goes: a new artifact, a new version of its namesake, or a merge. */
  async place<K extends LibraryKind>(kind: K, name: string, content: ContentByKind[K]): Promise<LibraryPlacement> {
    const threshold = await this.threshold(kind);
    const namesake = this.#live(kind).find((entry) => entry.name === name);
    if (namesake !== undefined) return { action: 'update', target: namesake, threshold };
    const [nearest] = await this.nearest(kind, searchableText(kind, name, content), 1);
    if (nearest !== undefined && nearest.similarity >= threshold.value) {
      return { action: 'merge', target: nearest.entry, similarity: nearest.similarity, threshold };
    }
    return { action: 'add', nearest, threshold };
  }

  /** Artifacts to retire now: low utility after enough uses, then the least useful over budget. */
  retirements(entries: readonly LibraryEntry[] = this.#index.entries()): Retirement[] {
    const result: Retirement[] = [];
    const retiring = new Set<string>();
    for (const entry of entries) {
      if (!liveStatuses.includes(entry.status)) continue;
      if (entry.artifact.uses >= this.#policy.retireAfterUses && entry.utility < this.#policy.retireBelowUtility) {
        result.push({ entry, reason: 'low-utility' });
        retiring.add(entry.artifact.id);
      }
    }
    const kinds = new Set(entries.map((entry) => entry.kind));
    for (const kind of kinds) {
      const live = entries.filter((entry) => entry.kind === kind && liveStatuses.includes(entry.status) && !retiring.has(entry.artifact.id));
      const excess = live.length - this.#policy.maxLivePerKind;
      if (excess <= 0) continue;
      // Least useful first; among equals, the least used (least evidence it matters), then the oldest.
      live.sort(
        (a, b) =>
          a.utility - b.utility || a.artifact.uses - b.artifact.uses || a.artifact.createdAt - b.artifact.createdAt || a.name.localeCompare(b.name),
      );
      for (const entry of live.slice(0, excess)) result.push({ entry, reason: 'over-budget' });
    }
    return result;
  }

  /** Retires what `retirements` names, in the library; returns what was retired. */
  async maintain(library: Library): Promise<Retirement[]> {
    const retirements = this.retirements();
    for (const retirement of retirements) {
      const entry = await library.retire(retirement.entry.kind, retirement.entry.name);
      this.#index.upsert(entry);
    }
    return retirements;
  }

  #live(kind: LibraryKind): LibraryEntry[] {
    return this.#index
      .entries()
      .filter((entry) => entry.kind === kind && liveStatuses.includes(entry.status))
      .sort((a, b) => a.artifact.createdAt - b.artifact.createdAt || a.name.localeCompare(b.name));
  }
}
