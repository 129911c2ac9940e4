import { isJsonObject, type JsonObject } from '../../core/json.ts';

/**
 * One-at-a-time screening of a program's literals before CMA-ES takes over. Each literal is moved
 * alone by one probe step either way (a factor of 2 for a plain literal, a decade for one written
 * with an exponent); a probe that beats the starting program is followed along its direction with
 * doubling steps until it stops improving or reaches the literal's bound. The sweep costs about two
 * evaluations per literal, and gives CMA-ES what it is slow to learn from a small step: a start
 * near the best combination of the moves that helped (a count that wants ten times more, a step
 * that wants a fifth), and which literals change the score at all. Literals whose probes left the
 * score exactly as it was (a loop bound that is never reached, a constant the evaluation never
 * uses) are held still afterwards, so the distribution spends its samples on the ones that matter.
 *
 * Offsets are in the tuner's coordinate units. Probes are queued all at once, so several evaluation
 * slots can run them; a follow-up step waits for the probe before it. The state is plain JSON.
 */
export interface Probe {
  /** Coordinate moved, and by how much (coordinate units); `combined` moves every coordinate to its best offset. */
  index: number;
  offset: number;
  combined?: boolean;
}

export interface ScreeningState {
  /** The starting program's score; null when it is unknown (then no follow-up steps are taken). */
  centerScore: number | null;
  queue: Probe[];
  /** Probes proposed and not yet observed. */
  outstanding: number;
  /** Per coordinate: the best offset found (0: none beat the start), its score, and the bound of its offsets. */
  bestOffsets: number[];
  bestScores: (number | null)[];
  bounds: number[];
  /** Per coordinate: whether any probe scored differently from the start (or failed). */
  changed: boolean[];
  done: boolean;
}

/** A screening of `steps.length` coordinates, each probed by ±steps[index] within ±bounds[index]. */
export function startScreening(steps: readonly number[], bounds: readonly number[], centerScore: number | null): ScreeningState {
  const queue: Probe[] = [];
  steps.forEach((step, index) => {
    const offset = Math.min(step, bounds[index]!);
    queue.push({ index, offset }, { index, offset: -offset });
  });
  return {
    centerScore: centerScore !== null && Number.isFinite(centerScore) ? centerScore : null,
    queue,
    outstanding: 0,
    bestOffsets: steps.map(() => 0),
    bestScores: steps.map(() => null),
    bounds: [...bounds],
    changed: steps.map(() => false),
    done: steps.length === 0,
  };
}

/** The next probe to propose, or undefined when the screening waits for outstanding results or is over. */
export function nextProbe(state: ScreeningState): Probe | undefined {
  const probe = state.queue.shift();
  if (probe !== undefined) state.outstanding += 1;
  return probe;
}

/** The coordinates of a probe, from the starting point (all zeros) and the offsets found so far. */
export function probeCoordinates(state: ScreeningState, probe: Probe): number[] {
  if (probe.combined === true) return [...state.bestOffsets];
  return state.bestOffsets.map((_, index) => (index === probe.index ? probe.offset : 0));
}

/** A probe was proposed but could not be (it repeated a program already tried): it counts as observed with no score. */
export function skipProbe(state: ScreeningState, probe: Probe): void {
  observeProbe(state, probe, undefined);
}

/**
 * Records a probe's score (null: the child failed; undefined: never evaluated). An improving probe
 * queues the next, doubled step in its direction; the last result of the sweep queues the combined
 * move when more than one coordinate improved, and otherwise ends the screening.
 */
export function observeProbe(state: ScreeningState, probe: Probe, score: number | null | undefined): void {
  state.outstanding = Math.max(0, state.outstanding - 1);
  if (probe.combined === true) {
    state.done = true;
    return;
  }
  const { index, offset } = probe;
  if (score !== undefined && score !== state.centerScore) state.changed[index] = true;
  const bestSoFar = state.bestScores[index] ?? state.centerScore;
  if (score !== null && score !== undefined && bestSoFar !== null && score > bestSoFar) {
    state.bestOffsets[index] = offset;
    state.bestScores[index] = score;
    const bound = state.bounds[index]!;
    if (Math.abs(offset) < bound) state.queue.push({ index, offset: Math.sign(offset) * Math.min(bound, 2 * Math.abs(offset)) });
  }
  if (state.queue.length > 0 || state.outstanding > 0) return;
  if (state.bestOffsets.filter((offset) => offset !== 0).length > 1) state.queue.push({ index: -1, offset: 0, combined: true });
  else state.done = true;
}

/** The coordinates left to tune after screening: those that changed the score, or every one when none did. */
export function screenedCoordinates(state: ScreeningState): number[] {
  const changed = state.changed.flatMap((moved, index) => (moved ? [index] : []));
  return changed.length > 0 ? changed : state.changed.map((_, index) => index);
}

export function restoreScreening(saved: unknown): ScreeningState | null {
  if (!isJsonObject(saved)) return null;
  const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.map(Number) : []);
  return {
    centerScore: saved.centerScore === null || saved.centerScore === undefined ? null : Number(saved.centerScore),
    queue: (Array.isArray(saved.queue) ? saved.queue : []).filter(isJsonObject).map((probe) => ({
      index: Number(probe.index),
      offset: Number(probe.offset),
      ...(probe.combined === true ? { combined: true } : {}),
    })),
    outstanding: Number(saved.outstanding ?? 0),
    bestOffsets: numbers(saved.bestOffsets),
    bestScores: (Array.isArray(saved.bestScores) ? saved.bestScores : []).map((score) => (score === null ? null : Number(score))),
    bounds: numbers(saved.bounds),
    changed: (Array.isArray(saved.changed) ? saved.changed : []).map(Boolean),
    done: saved.done === true,
  };
}

export function saveScreening(state: ScreeningState): JsonObject {
  return {
    centerScore: state.centerScore,
    queue: state.queue.map((probe) => ({ index: probe.index, offset: probe.offset, ...(probe.combined === true ? { combined: true } : {}) })),
    outstanding: state.outstanding,
    bestOffsets: state.bestOffsets,
    bestScores: state.bestScores,
    bounds: state.bounds,
    changed: state.changed,
    done: state.done,
  };
}
