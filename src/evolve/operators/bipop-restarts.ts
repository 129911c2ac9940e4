import type { JsonObject } from '../../core/json.ts';
import type { SepCmaEs } from './sep-cma-es.ts';

/**
 * BIPOP-CMA-ES restarts for the numeric tuner (numeric-tune.ts): when a distribution converges or
 * stops improving it restarts, alternately with a doubled population and with a small one, the
 * small one taken whenever it has used less of the budget. Kept apart so the tuner's file holds
 * the proposing and observing, and this one the restart bookkeeping it checkpoints.
 */

/** Below this step in every coordinate a distribution has converged. */
const convergedDeviation = 1e-4;

/** BIPOP bookkeeping: restarts so far, the large regime's population multiplier, evaluations per regime. */
export interface RestartState {
  count: number;
  largeMultiplier: number;
  regime: 'large' | 'small';
  evaluationsLarge: number;
  evaluationsSmall: number;
  /** The best score when the current run of this distribution last improved, and the generation then. */
  bestScore: number | null;
  improvedAtGeneration: number;
  /** Set by `observe`, carried out by the next `propose` (which holds the random stream). */
  pending: boolean;
}

export function freshRestartState(): RestartState {
  return { count: 0, largeMultiplier: 1, regime: 'large', evaluationsLarge: 0, evaluationsSmall: 0, bestScore: null, improvedAtGeneration: 0, pending: false };
}

export function restoreRestartState(saved: JsonObject): RestartState {
  return {
    count: Number(saved.count ?? 0),
    largeMultiplier: Number(saved.largeMultiplier ?? 1),
    regime: saved.regime === 'small' ? 'small' : 'large',
    evaluationsLarge: Number(saved.evaluationsLarge ?? 0),
    evaluationsSmall: Number(saved.evaluationsSmall ?? 0),
    bestScore: saved.bestScore === null || saved.bestScore === undefined ? null : Number(saved.bestScore),
    improvedAtGeneration: Number(saved.improvedAtGeneration ?? 0),
    pending: saved.pending === true,
  };
}

export function defaultPopulationSize(dimension: number): number {
  return 4 + Math.floor(3 * Math.log(Math.max(1, dimension)));
}

/** Converged (every step below 0.01%) or no better score for 10 + 30n/λ generations (Hansen's stagnation rule, shortened). */
export function shouldRestart(cma: SepCmaEs, restart: RestartState): boolean {
  let largest = 0;
  for (let index = 0; index < cma.dimension; index += 1) largest = Math.max(largest, cma.deviation(index));
  if (largest < convergedDeviation) return true;
  const patience = 10 + Math.ceil((30 * cma.dimension) / cma.populationSize);
  return cma.generation - restart.improvedAtGeneration > patience;
}
