import type { ProgramSummary } from '../../store/types.ts';
import type { ScoreSeries } from '../api-types.ts';
import { isScored, type RunPrograms } from '../run-programs.ts';

/**
 * Best and mean score over the run, overall and per island, with cumulative cost and tokens and the
 * model chosen for each attempt, downsampled to at most `points` buckets of consecutive programs.
 * A bucket's best is the best so far at its end (so the curve never dips); its mean is the mean of
 * the scores evaluated within it. One pass over the index: O(programs), whatever `points` is.
 */
export function scoreSeries(index: RunPrograms, points: number): ScoreSeries {
  return index.memo(`series:${points}`, () => computeSeries(index, points));
}

function computeSeries(index: RunPrograms, points: number): ScoreSeries {
  const programs = index.programs;
  const bucketSize = Math.max(1, Math.ceil(programs.length / Math.max(1, points)));
  const islandIds = [...new Set(programs.map((program) => program.island))].sort((left, right) => left - right);
  const modelNames = [...new Set(programs.map((program) => program.model ?? 'none'))].sort();
  const series: ScoreSeries = {
    x: [],
    time: [],
    best: [],
    mean: [],
    islands: islandIds.map((island) => ({ island, best: [], mean: [] })),
    costUsd: [],
    tokens: [],
    models: modelNames.map((model) => ({ model, counts: [] })),
    bucketSize,
    total: programs.length,
  };
  const islandSlot = new Map(islandIds.map((island, slot) => [island, slot]));
  const modelSlot = new Map(modelNames.map((model, slot) => [model, slot]));
  const islandBest: (number | null)[] = islandIds.map(() => null);
  let best: number | null = null;
  let cost = 0;
  let tokens = 0;
  for (let start = 0; start < programs.length; start += bucketSize) {
    const end = Math.min(programs.length, start + bucketSize);
    const sums = islandIds.map(() => ({ total: 0, count: 0 }));
    const counts = modelNames.map(() => 0);
    let sum = 0;
    let count = 0;
    for (let position = start; position < end; position += 1) {
      const program = programs[position]!;
      cost += program.costUsd;
      tokens += program.tokensIn + program.tokensOut;
      counts[modelSlot.get(program.model ?? 'none')!]! += 1;
      if (!isScored(program)) continue;
      const score = program.score!;
      const slot = islandSlot.get(program.island)!;
      sums[slot]!.total += score;
      sums[slot]!.count += 1;
      sum += score;
      count += 1;
      if (best === null || score > best) best = score;
      if (islandBest[slot] === null || score > islandBest[slot]!) islandBest[slot] = score;
    }
    const last: ProgramSummary = programs[end - 1]!;
    series.x.push(last.sequence ?? end);
    series.time.push(last.createdAt);
    series.best.push(best);
    series.mean.push(count === 0 ? null : sum / count);
    series.costUsd.push(cost);
    series.tokens.push(tokens);
    for (const [slot, island] of series.islands.entries()) {
      island.best.push(islandBest[slot]!);
      island.mean.push(sums[slot]!.count === 0 ? null : sums[slot]!.total / sums[slot]!.count);
    }
    for (const [slot, model] of series.models.entries()) model.counts.push(counts[slot]!);
  }
  return series;
}

/** Best so far per bucket only: what the Compare page overlays for several runs. */
export function bestCurve(index: RunPrograms, points: number): { x: number[]; best: (number | null)[] } {
  return index.memo(`best:${points}`, () => computeBestCurve(index, points));
}

function computeBestCurve(index: RunPrograms, points: number): { x: number[]; best: (number | null)[] } {
  const programs = index.programs;
  const bucketSize = Math.max(1, Math.ceil(programs.length / Math.max(1, points)));
  const x: number[] = [];
  const best: (number | null)[] = [];
  let current: number | null = null;
  for (let position = 0; position < programs.length; position += 1) {
    const program = programs[position]!;
    if (isScored(program) && (current === null || program.score! > current)) current = program.score!;
    if ((position + 1) % bucketSize === 0 || position === programs.length - 1) {
      x.push(program.sequence ?? position + 1);
      best.push(current);
    }
  }
  return { x, best };
}
