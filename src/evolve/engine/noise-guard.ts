import type { JsonObject } from '../../core/json.ts';
import type { EvaluationResult } from '../types.ts';

/**
 * Noisy evaluators (a program that draws unseeded random numbers, a timing-based score): one lucky
 * evaluation would make a child the incumbent for the rest of the run, and every later child would
 * be measured against luck. The guard finds out whether the evaluator is noisy from evidence, the
 * initial program evaluated twice (`settings.noise.repeats` > 0), and from then on re-evaluates
 * every child that would become the new best `repeats` more times and records the mean. A
 * deterministic evaluator costs one extra evaluation per run and nothing else; candidates that do
 * not challenge the incumbent are never re-evaluated.
 *
 * The evaluations of one program are kept in its metrics (`noise.scores`), so a resumed run reads
 * back from the store whether its evaluator was found noisy.
 */
export interface NoiseSettings {
  /** Extra evaluations of a would-be incumbent once the evaluator proved noisy; 0 turns the guard off (and the initial program's second evaluation). */
  repeats: number;
}

export const defaultNoiseSettings: NoiseSettings = { repeats: 0 };

/** Scores closer than this (relative) are the same score: floating-point noise in printing, not an evaluator's. */
const sameScoreTolerance = 1e-9;

export class NoiseGuard {
  readonly #repeats: number;
  #noisy = false;

  constructor(settings: NoiseSettings) {
    this.#repeats = settings.repeats;
  }

  /** Whether repeat evaluations of one program were seen to disagree in this run. */
  get noisy(): boolean {
    return this.#noisy;
  }

  /** Whether the initial program gets a second evaluation, to find out. */
  get checksInitial(): boolean {
    return this.#repeats > 0;
  }

  /** Evaluations of the initial program (one or two): the result to record, the mean when they disagree. */
  judgeInitial(results: readonly EvaluationResult[]): EvaluationResult {
    const scores = scoresOf(results);
    if (scores.length >= 2 && !allSame(scores)) this.#noisy = true;
    return this.#noisy ? combine(results) : results[0]!;
  }

  /** Whether a child's result challenges the incumbent of a noisy run, so it is evaluated again before it is believed. */
  shouldRepeat(result: EvaluationResult, incumbentScore: number | null): boolean {
    if (!this.#noisy || this.#repeats === 0 || !isScored(result)) return false;
    return incumbentScore === null || result.score! > incumbentScore;
  }

  get repeats(): number {
    return this.#repeats;
  }

  /** All evaluations of one child: the mean of the scored ones, with every score in its metrics. */
  combine(results: readonly EvaluationResult[]): EvaluationResult {
    return combine(results);
  }

  /** A resumed run: its initial program's recorded metrics say whether the evaluator was noisy. */
  restoreFromInitial(metrics: JsonObject | undefined): void {
    const noise = metrics?.['noise'];
    if (typeof noise !== 'object' || noise === null || Array.isArray(noise)) return;
    const scores = (noise as JsonObject)['scores'];
    if (Array.isArray(scores) && !allSame(scores.filter((score): score is number => typeof score === 'number'))) this.#noisy = true;
  }
}

function isScored(result: EvaluationResult): boolean {
  return result.ok && result.score !== null && Number.isFinite(result.score);
}

function scoresOf(results: readonly EvaluationResult[]): number[] {
  return results.filter(isScored).map((result) => result.score!);
}

function allSame(scores: readonly number[]): boolean {
  return scores.every((score) => Math.abs(score - scores[0]!) <= sameScoreTolerance * Math.max(1, Math.abs(scores[0]!)));
}

/**
 * One result from several evaluations of the same program: the first one's metrics and artifacts,
 * the mean score of the evaluations that gave one (a failed repeat does not erase the others), and
 * `noise: { scores, spread }` in the metrics as the evidence. The first result as it is when only one scored.
 */
function combine(results: readonly EvaluationResult[]): EvaluationResult {
  const first = results[0]!;
  const scores = scoresOf(results);
  if (scores.length === 0) return first;
  const scored = results.find(isScored)!;
  const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
  return {
    ...scored,
    score: mean,
    metrics: { ...scored.metrics, noise: { scores, spread: Math.max(...scores) - Math.min(...scores) } },
    durationMs: results.reduce((sum, result) => sum + result.durationMs, 0),
  };
}
