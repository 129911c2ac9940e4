import { isJsonObject, type JsonObject } from '../../core/json.ts';

/**
 * Compass search around the best point found, run beside CMA-ES once the screening is over. Each
 * move changes one literal by its step, up or down, from the best point so far; after a whole sweep
 * (every literal both ways) without an improvement the steps halve, and once they are tiny they start
 * again from half the screening step. A move that improves is repeated at twice its length (a
 * pattern move) until that stops paying. Moving one literal at a time climbs the sharp ridges that
 * programs often have, where two literals must stay in step (a radius cap and a margin), and where a
 * step that moves every literal at once nearly always falls off; CMA-ES keeps the large, joint moves
 * that noisy scores need. Which of the two proposes is drawn in proportion to how often each has
 * improved on the best (`chooseCompass`), so the budget goes to the one that is working.
 *
 * Steps are in the tuner's coordinate units; the state is plain JSON.
 */
export interface CompassState {
  /** Fraction of each coordinate's screening step used now. */
  factor: number;
  /** Next move in the sweep: positions 0..n-1 move each tuned coordinate up, n..2n-1 down. */
  cursor: number;
  /** Moves since the best last improved. */
  failures: number;
  /** Proposals and improvements on the best, per method, for the choice between them. */
  compassProposals: number;
  compassImprovements: number;
  cmaProposals: number;
  cmaImprovements: number;
  /** The doubled repeat of the last move that improved, proposed next. */
  extension: CompassMove | null;
}

/** A coordinate position (in the tuned list) and a signed step in units of its screening step. */
export interface CompassMove {
  position: number;
  step: number;
}

const startFactor = 0.5;
const smallestFactor = 1 / 512;
/** Pattern moves stop doubling at 8 screening steps (a factor of 256 for a plain literal): the literal's bounds come first anyway. */
const maxExtension = 8;

export function startCompass(): CompassState {
  return { factor: startFactor, cursor: 0, failures: 0, compassProposals: 0, compassImprovements: 0, cmaProposals: 0, cmaImprovements: 0, extension: null };
}

/** Whether the next child comes from the compass search: drawn with odds (its improvements + 1)/(proposals + 2) against CMA-ES's, kept between 20% and 80%. */
export function chooseCompass(state: CompassState, draw: number): boolean {
  const compassRate = (state.compassImprovements + 1) / (state.compassProposals + 2);
  const cmaRate = (state.cmaImprovements + 1) / (state.cmaProposals + 2);
  const share = Math.min(0.8, Math.max(0.2, compassRate / (compassRate + cmaRate)));
  return draw < share;
}

/** The next move: the coordinate to change (an index into `tuned`) and the signed step, in units of that coordinate's screening step. */
export function nextMove(state: CompassState, dimension: number): CompassMove {
  if (state.extension !== null && state.extension.position < dimension) {
    const extension = state.extension;
    state.extension = null;
    return extension;
  }
  state.extension = null;
  const move = state.cursor % (2 * dimension);
  state.cursor = (move + 1) % (2 * dimension);
  // Every literal upward, then every one downward: moves in flight together (several evaluation
  // slots) then change different literals, instead of the two directions of one, of which at most one helps.
  return { position: move % dimension, step: (move < dimension ? 1 : -1) * state.factor };
}

/** Records whether a child (from either method) improved on the best; a whole failed sweep halves the compass steps. */
export function observeMove(state: CompassState, move: CompassMove | undefined, improved: boolean, dimension: number): void {
  const fromCompass = move !== undefined;
  if (fromCompass) {
    state.compassProposals += 1;
    if (improved) state.compassImprovements += 1;
  } else {
    state.cmaProposals += 1;
    if (improved) state.cmaImprovements += 1;
  }
  if (improved) {
    state.failures = 0;
    // A move that paid off may have been timid: the next one goes twice as far the same way (a
    // pattern move), so a literal that is decades off gets there in a few steps.
    if (move !== undefined && Math.abs(move.step) < maxExtension) state.extension = { position: move.position, step: 2 * move.step };
    return;
  }
  if (!fromCompass) return;
  state.failures += 1;
  if (state.failures >= 2 * dimension) {
    state.failures = 0;
    state.factor = state.factor / 2 < smallestFactor ? startFactor : state.factor / 2;
  }
}

/** A move that could not be proposed (it rounds back to a program already tried) counts as a failed one. */
export function skipMove(state: CompassState, dimension: number): void {
  state.failures += 1;
  if (state.failures >= 2 * dimension) {
    state.failures = 0;
    state.factor = state.factor / 2 < smallestFactor ? startFactor : state.factor / 2;
  }
}

export function saveCompass(state: CompassState): JsonObject {
  return { ...state, extension: state.extension === null ? null : { ...state.extension } };
}

export function restoreCompass(saved: unknown): CompassState {
  const fresh = startCompass();
  if (!isJsonObject(saved)) return fresh;
  const number = (key: Exclude<keyof CompassState, 'extension'>): number => (typeof saved[key] === 'number' ? (saved[key] as number) : fresh[key]);
  return {
    factor: number('factor'),
    cursor: number('cursor'),
    failures: number('failures'),
    compassProposals: number('compassProposals'),
    compassImprovements: number('compassImprovements'),
    cmaProposals: number('cmaProposals'),
    cmaImprovements: number('cmaImprovements'),
    extension: isJsonObject(saved.extension) ? { position: Number(saved.extension.position), step: Number(saved.extension.step) } : null,
  };
}
