import type { Random } from '../core/random.ts';
import type { Island } from './database/island.ts';
import type { ProgramDatabase } from './database/program-database.ts';
import type { FrontMember } from './database/pareto-front.ts';
import type { Placement, ProgramInfo } from './database/program-entry.ts';

/**
 * Parent selection. Most draws use ShinkaEvolve's weighting, w = sigmoid(λ·(score − median)/spread)
 * × 1/(1 + children), which favours good programs that have not been tried much; the rest are
 * exploration (uniform on the island) and exploitation (from the elite archive) draws. Weighted
 * draws use rejection sampling against uniform proposals, which is exact and O(1) expected, so
 * selection never scans the island. With a Pareto front over several metrics (settings.objectives),
 * every draw that is not exploration takes a member of the front instead: the front has no single
 * score to weight by, and its members are the trade-offs worth building on.
 */
export interface ParentSelectionSettings {
  /** Share of uniform draws from the island. */
  explorationRatio: number;
  /** Share of draws from the elite archive. */
  exploitationRatio: number;
  /** Sigmoid sharpness λ. */
  lambda: number;
  /** Share of draws that pick a recent failed program for repair, when repair is possible. */
  fixRatio: number;
}

export const defaultParentSelection: ParentSelectionSettings = {
  explorationRatio: 0.2,
  exploitationRatio: 0.2,
  lambda: 10,
  fixRatio: 0.05,
};

/**
 * `burst`: not a draw; the engine tunes a model child that just became its island's best.
 * `pareto`: a member of the Pareto front (settings.objectives), in place of weighted and exploitation draws.
 */
export type ParentDrawKind = 'weighted' | 'exploration' | 'exploitation' | 'fix' | 'burst' | 'pareto';

export interface ParentChoice {
  kind: ParentDrawKind;
  programId: string;
  /** True in fix mode: the parent is a failed program offered for repair. */
  failed: boolean;
}

export interface ScoreStatistics {
  median: number;
  /** A robust spread: half the interquartile range (≈ the MAD for symmetric scores), or a fallback. */
  spread: number;
  best: number;
}

/** Median and spread of an island's scores in O(log n). Spread is never 0 when scores differ. */
export function islandStatistics(island: Island): ScoreStatistics | undefined {
  const tree = island.byScore;
  if (tree.size === 0) return undefined;
  const median = tree.quantile(0.5)!;
  const best = tree.scoreAt(tree.size - 1)!;
  const lowest = tree.scoreAt(0)!;
  let spread = (tree.quantile(0.75)! - tree.quantile(0.25)!) / 2;
  // Most scores tied: fall back to the full range so the better outliers still stand out.
  if (!(spread > 0)) spread = (best - lowest) / 4;
  return { median, spread: spread > 0 ? spread : 0, best };
}

/** ShinkaEvolve's weight; with zero spread every program gets sigmoid(0) = 0.5 before the discount. */
export function selectionWeight(score: number, statistics: ScoreStatistics, children: number, lambda: number): number {
  const distance = statistics.spread > 0 ? (score - statistics.median) / statistics.spread : 0;
  return sigmoid(lambda * distance) / (1 + Math.max(0, children));
}

export function sigmoid(value: number): number {
  if (value >= 0) return 1 / (1 + Math.exp(-value));
  const exponential = Math.exp(value);
  return exponential / (1 + exponential);
}

export function selectParent(options: {
  database: ProgramDatabase;
  island: number;
  random: Random;
  settings: ParentSelectionSettings;
  /** Whether a repair operator can take a failed parent. */
  canRepair: boolean;
}): ParentChoice | undefined {
  const { database, random, settings } = options;
  const island = database.island(options.island);
  const failures = island.recentFailures();
  const draw = random.next();
  // Fix mode: nothing on the island works yet, or a small share of draws when repair is possible.
  if (options.canRepair && failures.length > 0 && (island.size === 0 || draw < settings.fixRatio)) {
    const failure = failures[random.integer(failures.length)]!;
    return { kind: 'fix', programId: failure.id, failed: true };
  }
  if (island.size === 0) {
    const best = database.best();
    return best === undefined ? undefined : { kind: 'exploitation', programId: best.id, failed: false };
  }
  const rest = random.next();
  if (rest < settings.explorationRatio) {
    return { kind: 'exploration', programId: island.memberAt(random.next())!.info.id, failed: false };
  }
  const front = database.front;
  if (front !== undefined && front.size > 0) {
    return { kind: 'pareto', programId: frontDraw(front.members(), island.index, random).id, failed: false };
  }
  if (rest < settings.explorationRatio + settings.exploitationRatio && database.archive.size > 0) {
    return { kind: 'exploitation', programId: pickFromArchive(database, island.index, random), failed: false };
  }
  return { kind: 'weighted', programId: weightedDraw(island, random, settings.lambda).info.id, failed: false };
}

/** Exact weighted draw by rejection: propose uniformly, accept with w / w_max. */
export function weightedDraw(island: Island, random: Random, lambda: number, maxTries = 256): Placement {
  const statistics = islandStatistics(island)!;
  const ceiling = selectionWeight(statistics.best, statistics, 0, lambda);
  for (let attempt = 0; attempt < maxTries; attempt += 1) {
    const candidate = island.memberAt(random.next())!;
    const weight = selectionWeight(candidate.info.score, statistics, candidate.info.children, lambda);
    if (random.next() * ceiling < weight) return candidate;
  }
  // Every weight tiny (heavily discounted island): an exact draw among the best few.
  const top = island.top(16);
  const weights = top.map((placement) => selectionWeight(placement.info.score, statistics, placement.info.children, lambda));
  return top[random.weightedIndex(weights)]!;
}

function pickFromArchive(database: ProgramDatabase, islandIndex: number, random: Random): string {
  const members = database.archive.list();
  const onIsland = members.filter((member) => member.islands.includes(islandIndex));
  const pool = onIsland.length > 0 ? onIsland : members;
  return pool[random.integer(pool.length)]!.id;
}

/**
 * A member of the Pareto front, preferring those on the island (the front spans islands), each
 * weighted by ShinkaEvolve's discount 1/(1 + children), so tries spread over the front's trade-offs
 * instead of piling on one end.
 */
function frontDraw(members: readonly FrontMember[], islandIndex: number, random: Random): ProgramInfo {
  const onIsland = members.filter((member) => member.info.islands.includes(islandIndex));
  const pool = onIsland.length > 0 ? onIsland : members;
  return pool[random.weightedIndex(pool.map((member) => 1 / (1 + Math.max(0, member.info.children))))]!.info;
}
