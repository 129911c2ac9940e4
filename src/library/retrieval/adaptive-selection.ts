/**
 * How many retrieved items to inject. A sharp top match (the second item scores far below the
 * first) gets few items; a flat ranking gets more, up to `maxItems`. The token budget is a hard
 * limit: an item that does not fit is skipped, and nothing is ever cut mid-way to squeeze in.
 */
export interface AdaptiveSelectionOptions {
  /** Hard cap on the summed token cost of the selected items. */
  tokenBudget: number;
  maxItems?: number;
  minItems?: number;
  /** Items scoring below this fraction of the top score are never taken. Default 0.35. */
  relativeFloor?: number;
  /** A drop to below this fraction of the previous item's score ends the selection. Default 0.5. */
  gapRatio?: number;
  /** Items scoring at or below this are irrelevant. Default 0. */
  minScore?: number;
}

export interface RankedItem {
  id: string;
  score: number;
  tokens: number;
}

export interface Selection<T extends RankedItem> {
  items: T[];
  tokens: number;
  /** Why the list ended: the score cut-off, the item cap or the budget. */
  cutoff: 'floor' | 'gap' | 'max-items' | 'budget' | 'exhausted';
}

export function selectAdaptively<T extends RankedItem>(ranked: readonly T[], options: AdaptiveSelectionOptions): Selection<T> {
  const maxItems = options.maxItems ?? 8;
  const minItems = options.minItems ?? 1;
  const relativeFloor = options.relativeFloor ?? 0.35;
  const gapRatio = options.gapRatio ?? 0.5;
  const minScore = options.minScore ?? 0;
  const candidates = ranked.filter((item) => item.score > minScore);
  const top = candidates[0]?.score ?? 0;
  const items: T[] = [];
  let tokens = 0;
  let cutoff: Selection<T>['cutoff'] = 'exhausted';
  let previousScore = top;
  for (const item of candidates) {
    if (items.length >= maxItems) {
      cutoff = 'max-items';
      break;
    }
    if (items.length >= minItems) {
      if (item.score < top * relativeFloor) {
        cutoff = 'floor';
        break;
      }
      if (item.score < previousScore * gapRatio) {
        cutoff = 'gap';
        break;
      }
    }
    previousScore = item.score;
    if (tokens + item.tokens > options.tokenBudget) {
      cutoff = 'budget';
      continue;
    }
    items.push(item);
    tokens += item.tokens;
  }
  return { items, tokens, cutoff };
}
