import { percentile } from './percentile.ts';

/**
 * The similarity above which a proposal is merged into its nearest neighbour instead of added,
 * derived from the library's own distribution (as in MADE-IT): take every artifact's similarity
 * to its nearest neighbour and use a high percentile of those. A library of near-duplicates gets
 * a high bar; a library of distinct items a lower one. Clamped, and a fixed default until the
 * library has enough items for a distribution to mean anything.
 */
export interface MergeThresholdPolicy {
  /** Which percentile of nearest-neighbour similarities. Default 0.9. */
  percentile?: number;
  /** Used while the library has fewer than `minSamples` items. Default 0.8. */
  fallback?: number;
  minSamples?: number;
  minimum?: number;
  maximum?: number;
}

export interface MergeThreshold {
  value: number;
  source: 'distribution' | 'fallback';
  samples: number;
}

export function mergeThreshold(nearestNeighbourSimilarities: readonly number[], policy: MergeThresholdPolicy = {}): MergeThreshold {
  const minSamples = policy.minSamples ?? 8;
  const samples = nearestNeighbourSimilarities.length;
  if (samples < minSamples) return { value: policy.fallback ?? 0.8, source: 'fallback', samples };
  const raw = percentile(nearestNeighbourSimilarities, policy.percentile ?? 0.9);
  const value = Math.min(policy.maximum ?? 0.95, Math.max(policy.minimum ?? 0.5, raw));
  return { value, source: 'distribution', samples };
}
