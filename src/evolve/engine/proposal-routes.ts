import { isJsonObject, type JsonObject } from '../../core/json.ts';

/**
 * Cheap first in evolve's proposal step, learned per operator. A proposal's "kind" is its operator:
 * within a run the problem is fixed and what changes from one request to the next is what is asked
 * for (a SEARCH/REPLACE diff, a whole rewrite, a crossover of two parents, the repair of a broken
 * child), and that is what a weaker model gets right or wrong. Per operator the engine counts the
 * cheap model's proposals and its failures: a reply that could not be used (escalated at once) or
 * a child whose evaluation failed. Once an operator has `routeAfterFailures` failures on at least
 * half its cheap proposals, its proposals go to the strong model at once.
 *
 * Counts are applied with each result, in attempt order, and kept in the checkpoint, so a seeded
 * run routes the same proposals to the same model after a kill and `--resume`. Across runs they
 * live in the library (`ProposalRouteBook`, given by the caller): read when a run starts, the
 * run's own counts added when it ends.
 */
export type ProposalRoute = 'cheap-first' | 'strong';

export interface OperatorRouteCounts {
  cheapAttempts: number;
  cheapFailures: number;
}

/** How the cascade made one proposal, carried by its candidate until its result is applied. */
export interface ProposalCascade {
  /** `cheap`: the chosen model's proposal stood; `escalated`: its reply could not be used and the strong model proposed; `strong`: the strong model was asked at once. */
  used: 'cheap' | 'escalated' | 'strong';
  /** Why the strong model was asked: the cheap reply was unusable, the operator is routed to it, or the attempt repairs a child the cheap model broke. */
  reason?: 'apply-failed' | 'routed' | 'child-failed' | undefined;
  cheapCostUsd: number;
  strongCostUsd: number;
}

/** The library's side: where routes are kept between runs (src/learn/evolve-route-book.ts over `prompt/model-route-evolve-<operator>`). */
export interface ProposalRouteBook {
  read(operators: readonly string[]): Promise<Record<string, OperatorRouteCounts>>;
  /** Adds a run's counts to each operator's record and commits a new version where they changed. */
  commit(added: Record<string, OperatorRouteCounts>, provenance: { runId: string; routeAfterFailures: number }): Promise<void>;
}

/** Where a run keeps the counts it last added to the library (so a stopped run resumed adds only what came after). */
export const committedRoutesKey = 'routes-committed';

/** What the cascade did over a run, for the summary: as learn's cascade summary, per proposal. */
export interface EvolveCascadeSummary {
  proposals: number;
  cheap: number;
  escalated: number;
  routedStrong: number;
  /** Repairs of a child the cheap model broke, made by the strong model. */
  repairedByStrong: number;
  /** What the proposals cost (cheap and strong calls). */
  costUsd: number;
  /** The strong model's mean cost per proposal where it ran, times the proposals: an estimate, since it never made the proposals the cheap model settled. */
  alwaysStrongEstimateUsd?: number | undefined;
  savedEstimateUsd?: number | undefined;
  /** Operators whose proposals go to the strong model at the end of the run. */
  strongOperators: string[];
}

interface Totals {
  proposals: number;
  cheap: number;
  escalated: number;
  routedStrong: number;
  repairedByStrong: number;
  cheapCostUsd: number;
  strongCostUsd: number;
  /** Proposals the strong model made (escalated or at once), for its mean cost. */
  strongProposals: number;
}

export function routeFor(counts: OperatorRouteCounts | undefined, routeAfterFailures: number): ProposalRoute {
  if (counts === undefined) return 'cheap-first';
  return counts.cheapFailures >= routeAfterFailures && counts.cheapFailures * 2 >= counts.cheapAttempts ? 'strong' : 'cheap-first';
}

export class ProposalRoutes {
  readonly #routeAfterFailures: number;
  /** The counts the run started from (the library's), and the counts now. */
  #started: Record<string, OperatorRouteCounts> = {};
  #counts: Record<string, OperatorRouteCounts> = {};
  #totals: Totals = { proposals: 0, cheap: 0, escalated: 0, routedStrong: 0, repairedByStrong: 0, cheapCostUsd: 0, strongCostUsd: 0, strongProposals: 0 };

  constructor(routeAfterFailures: number) {
    this.#routeAfterFailures = routeAfterFailures;
  }

  start(counts: Record<string, OperatorRouteCounts>): void {
    this.#started = cloneCounts(counts);
    this.#counts = cloneCounts(counts);
  }

  routeOf(operator: string): ProposalRoute {
    return routeFor(this.#counts[operator], this.#routeAfterFailures);
  }

  /** One applied result: `childFailed` when its evaluation failed (a rejected proposal's is false). */
  observe(operator: string, cascade: ProposalCascade, childFailed: boolean): void {
    const totals = this.#totals;
    totals.proposals += 1;
    totals.cheapCostUsd += cascade.cheapCostUsd;
    totals.strongCostUsd += cascade.strongCostUsd;
    if (cascade.used === 'cheap') totals.cheap += 1;
    else {
      totals.strongProposals += 1;
      if (cascade.used === 'escalated') totals.escalated += 1;
      else if (cascade.reason === 'child-failed') totals.repairedByStrong += 1;
      else totals.routedStrong += 1;
    }
    // Only the cheap model's own proposals are evidence about it.
    if (cascade.used === 'strong') return;
    const counts = (this.#counts[operator] ??= { cheapAttempts: 0, cheapFailures: 0 });
    counts.cheapAttempts += 1;
    if (cascade.used === 'escalated' || childFailed) counts.cheapFailures += 1;
  }

  /** What this run added to each operator's counts since `committed` (the counts it started from when nothing was committed yet). */
  addedSince(committed: Record<string, OperatorRouteCounts> | undefined): Record<string, OperatorRouteCounts> {
    const from = committed ?? this.#started;
    const added: Record<string, OperatorRouteCounts> = {};
    for (const [operator, counts] of Object.entries(this.#counts)) {
      const before = from[operator] ?? { cheapAttempts: 0, cheapFailures: 0 };
      const attempts = counts.cheapAttempts - before.cheapAttempts;
      if (attempts > 0) added[operator] = { cheapAttempts: attempts, cheapFailures: counts.cheapFailures - before.cheapFailures };
    }
    return added;
  }

  counts(): Record<string, OperatorRouteCounts> {
    return cloneCounts(this.#counts);
  }

  summary(): EvolveCascadeSummary | undefined {
    const totals = this.#totals;
    if (totals.proposals === 0) return undefined;
    const costUsd = totals.cheapCostUsd + totals.strongCostUsd;
    const strongOperators = Object.keys(this.#counts).filter((operator) => this.routeOf(operator) === 'strong').sort();
    const summary: EvolveCascadeSummary = { proposals: totals.proposals, cheap: totals.cheap, escalated: totals.escalated, routedStrong: totals.routedStrong, repairedByStrong: totals.repairedByStrong, costUsd, strongOperators };
    if (totals.strongProposals > 0) {
      summary.alwaysStrongEstimateUsd = (totals.strongCostUsd / totals.strongProposals) * totals.proposals;
      summary.savedEstimateUsd = summary.alwaysStrongEstimateUsd - costUsd;
    }
    return summary;
  }

  saveState(): JsonObject {
    return { started: countsToJson(this.#started), counts: countsToJson(this.#counts), totals: { ...this.#totals } };
  }

  restoreState(state: JsonObject): void {
    this.#started = countsFromJson(state['started']);
    this.#counts = countsFromJson(state['counts']);
    const totals = state['totals'];
    if (isJsonObject(totals)) {
      for (const key of Object.keys(this.#totals) as (keyof Totals)[]) {
        const value = totals[key];
        if (typeof value === 'number' && Number.isFinite(value)) this.#totals[key] = value;
      }
    }
  }
}

function cloneCounts(counts: Record<string, OperatorRouteCounts>): Record<string, OperatorRouteCounts> {
  return Object.fromEntries(Object.entries(counts).map(([operator, value]) => [operator, { ...value }]));
}

function countsToJson(counts: Record<string, OperatorRouteCounts>): JsonObject {
  return Object.fromEntries(Object.entries(counts).map(([operator, value]) => [operator, { ...value }]));
}

export function countsFromJson(value: unknown): Record<string, OperatorRouteCounts> {
  if (!isJsonObject(value)) return {};
  const counts: Record<string, OperatorRouteCounts> = {};
  for (const [operator, entry] of Object.entries(value)) {
    if (!isJsonObject(entry)) continue;
    const { cheapAttempts, cheapFailures } = entry;
    if (typeof cheapAttempts === 'number' && typeof cheapFailures === 'number') counts[operator] = { cheapAttempts, cheapFailures };
  }
  return counts;
}
