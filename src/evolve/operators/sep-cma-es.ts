import type { JsonObject } from '../../core/json.ts';
import type { Random } from '../../core/random.ts';

/**
 * Separable CMA-ES (Ros & Hansen 2008): CMA-ES with a diagonal covariance, so each step costs O(n)
 * and the learning rates can be raised by (n + 2) / 3. Used steady-state: `sample` any time, and
 * `tell` once a generation's worth of scored samples has been collected. Higher scores are better;
 * a null score (failed evaluation) ranks below every real one and gets no recombination weight.
 */
export interface ScoredSample {
  x: number[];
  score: number | null;
  /** Coordinates that were perturbed; absent means all. See `sample`. */
  active?: boolean[];
}

export interface SepCmaState {
  mean: number[];
  sigma: number;
  /** Diagonal of the covariance matrix. */
  variances: number[];
  evolutionPath: number[];
  sigmaPath: number[];
  generation: number;
}

export class SepCmaEs {
  readonly dimension: number;
  readonly populationSize: number;
  private state: SepCmaState;

  constructor(mean: readonly number[], sigma: number, populationSize?: number) {
    this.dimension = mean.length;
    this.populationSize = populationSize ?? 4 + Math.floor(3 * Math.log(Math.max(1, this.dimension)));
    this.state = {
      mean: [...mean],
      sigma,
      variances: mean.map(() => 1),
      evolutionPath: mean.map(() => 0),
      sigmaPath: mean.map(() => 0),
      generation: 0,
    };
  }

  get mean(): readonly number[] {
    return this.state.mean;
  }

  get sigma(): number {
    return this.state.sigma;
  }

  get generation(): number {
    return this.state.generation;
  }

  /** Standard deviation of coordinate `index` (sigma times its scale). */
  deviation(index: number): number {
    return this.state.sigma * Math.sqrt(this.state.variances[index]!);
  }

  /**
   * A draw from the distribution. With `activeProbability` < 1 only a random subset of coordinates
   * moves (at least one): a sparse move finds the parameters that matter when changing some of
   * them (a count, a size) breaks the program. `tell` then adapts each coordinate's variance only
   * from the samples that moved it, so sparse draws do not shrink the others.
   */
  sample(random: Random, activeProbability = 1): { x: number[]; active: boolean[] } {
    const active = this.state.mean.map(() => activeProbability >= 1 || random.next() < activeProbability);
    if (!active.some(Boolean)) active[random.integer(active.length)] = true;
    const x = this.state.mean.map((mean, index) => (active[index] ? mean + this.deviation(index) * random.normal() : mean));
    return { x, active };
  }

  /** One generation's update from scored samples (any number; usually `populationSize`). */
  tell(samples: readonly ScoredSample[]): void {
    const n = this.dimension;
    const s = this.state;
    const successes = samples.filter(
      (sample): sample is ScoredSample & { score: number } => sample.score !== null && Number.isFinite(sample.score),
    );
    if (successes.length === 0) {
      // Everything failed: the step was probably too bold. Shrink it and keep the mean.
      s.sigma *= 0.5;
      s.generation += 1;
      return;
    }
    successes.sort((left, right) => right.score - left.score);
    const mu = Math.max(1, Math.min(successes.length, Math.floor(this.populationSize / 2)));
    const rawWeights = Array.from({ length: mu }, (_, index) => Math.log(mu + 0.5) - Math.log(index + 1));
    const weightSum = rawWeights.reduce((sum, weight) => sum + weight, 0);
    const weights = rawWeights.map((weight) => weight / weightSum);
    const muEff = 1 / weights.reduce((sum, weight) => sum + weight * weight, 0);

    const cSigma = (muEff + 2) / (n + muEff + 5);
    const dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
    const cC = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
    const separableBoost = (n + 2) / 3;
    let c1 = (2 / ((n + 1.3) ** 2 + muEff)) * separableBoost;
    let cMu = Math.min(1 - c1, ((2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff)) * separableBoost);
    if (c1 + cMu > 1) {
      const scale = 0.99 / (c1 + cMu);
      c1 *= scale;
      cMu *= scale;
    }
    const expectedNorm = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));

    // Steps y_i = (x_i - m) / sigma of the selected samples, and their weighted mean.
    const selected = successes.slice(0, mu);
    const steps = selected.map((sample) => sample.x.map((value, index) => (value - s.mean[index]!) / s.sigma));
    const weightedStep = s.mean.map((_, index) => steps.reduce((sum, step, rank) => sum + weights[rank]! * step[index]!, 0));
    s.mean = s.mean.map((mean, index) => mean + s.sigma * weightedStep[index]!);

    const sparse = selected.some((sample) => sample.active !== undefined && !sample.active.every(Boolean));
    if (sparse) {
      // Cumulative step-size adaptation assumes full-dimensional steps; sparse generations move the
      // mean and learn per-coordinate scales, and leave sigma and the paths alone.
      s.variances = s.variances.map((variance, index) => {
        const movers = selected.map((sample) => sample.active?.[index] ?? true);
        const moverWeight = weights.reduce((sum, weight, rank) => sum + (movers[rank] ? weight : 0), 0);
        if (moverWeight === 0) return variance;
        const rankMu = steps.reduce((sum, step, rank) => sum + (movers[rank] ? weights[rank]! * step[index]! ** 2 : 0), 0) / moverWeight;
        return Math.min(1e6, Math.max(1e-12, (1 - cMu) * variance + cMu * rankMu));
      });
      s.generation += 1;
      return;
    }
    const sigmaFactor = Math.sqrt(cSigma * (2 - cSigma) * muEff);
    s.sigmaPath = s.sigmaPath.map(
      (value, index) => (1 - cSigma) * value + (sigmaFactor * weightedStep[index]!) / Math.sqrt(s.variances[index]!),
    );
    const sigmaPathNorm = Math.sqrt(s.sigmaPath.reduce((sum, value) => sum + value * value, 0));
    const stalled =
      sigmaPathNorm / Math.sqrt(1 - (1 - cSigma) ** (2 * (s.generation + 1))) < (1.4 + 2 / (n + 1)) * expectedNorm ? 1 : 0;
    const pathFactor = Math.sqrt(cC * (2 - cC) * muEff);
    s.evolutionPath = s.evolutionPath.map((value, index) => (1 - cC) * value + stalled * pathFactor * weightedStep[index]!);
    s.variances = s.variances.map((variance, index) => {
      const rankOne = s.evolutionPath[index]! ** 2 + (1 - stalled) * cC * (2 - cC) * variance;
      const rankMu = steps.reduce((sum, step, rank) => sum + weights[rank]! * step[index]! ** 2, 0);
      const updated = (1 - c1 - cMu) * variance + c1 * rankOne + cMu * rankMu;
      // Keep the axes within a sane condition number.
      return Math.min(1e6, Math.max(1e-12, updated));
    });
    s.sigma *= Math.exp(Math.min(1, (cSigma / dSigma) * (sigmaPathNorm / expectedNorm - 1)));
    s.sigma = Math.min(1e6, Math.max(1e-14, s.sigma));
    s.generation += 1;
  }

  /** Multiplies the step size (bounded), e.g. when every draw rounds back to the same integers. */
  scaleSigma(factor: number): void {
    this.state.sigma = Math.min(1e6, Math.max(1e-14, this.state.sigma * factor));
  }

  saveState(): JsonObject {
    const s = this.state;
    return {
      mean: [...s.mean],
      sigma: s.sigma,
      variances: [...s.variances],
      evolutionPath: [...s.evolutionPath],
      sigmaPath: [...s.sigmaPath],
      generation: s.generation,
      populationSize: this.populationSize,
    };
  }

  static fromState(saved: JsonObject): SepCmaEs {
    const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.map(Number) : []);
    const mean = numbers(saved.mean);
    const restored = new SepCmaEs(mean, Number(saved.sigma), Number(saved.populationSize));
    restored.state = {
      mean,
      sigma: Number(saved.sigma),
      variances: numbers(saved.variances),
      evolutionPath: numbers(saved.evolutionPath),
      sigmaPath: numbers(saved.sigmaPath),
      generation: Number(saved.generation),
    };
    return restored;
  }
}
