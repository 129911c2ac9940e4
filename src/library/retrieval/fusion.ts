import type { ScoredId } from './bm25-index.ts';

/**
 * Combining ranked lists from lexical and vector retrieval. Reciprocal-rank fusion needs no score
 * calibration; normalized-score fusion keeps how far ahead a top match is, which the adaptive
 * selection uses.
 */
export type FusionMethod = 'reciprocal-rank' | 'normalized-score';

export function reciprocalRankFusion(lists: readonly (readonly ScoredId[])[], k = 60): ScoredId[] {
  const fused = new Map<string, number>();
  for (const list of lists) {
    list.forEach((item, rank) => fused.set(item.id, (fused.get(item.id) ?? 0) + 1 / (k + rank + 1)));
  }
  return sortScores(fused);
}

/** Each list is scaled by its own top score (max-normalization), then combined with weights. */
export function normalizedScoreFusion(lists: readonly (readonly ScoredId[])[], weights?: readonly number[]): ScoredId[] {
  const fused = new Map<string, number>();
  lists.forEach((list, index) => {
    const weight = weights?.[index] ?? 1;
    const top = list[0]?.score ?? 0;
    if (top <= 0) return;
    for (const item of list) fused.set(item.id, (fused.get(item.id) ?? 0) + (weight * Math.max(0, item.score)) / top);
  });
  return sortScores(fused);
}

function sortScores(scores: Map<string, number>): ScoredId[] {
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
