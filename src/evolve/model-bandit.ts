import { isJsonObject, type JsonObject } from '../core/json.ts';
import type { Random } from '../core/random.ts';
import type { LanguageModelClient } from '../model/types.ts';

/**
 * Cost-aware UCB1 over the models of an ensemble, after ShinkaEvolve's model selection: each step
 * picks the model with the highest mean reward plus an exploration bonus, or, with probability
 * epsilon, a model drawn by its configured weight.
 *
 * Reward of one call = normalised improvement − costCoefficient × normalised cost, where
 * improvement = max(0, child score − parent score) divided by the largest improvement seen so far
 * (so in [0, 1], whatever the score's units), a failed child counts as 0 improvement, and cost is
 * the call's USD divided by the largest call cost seen so far (also in [0, 1]). Rewards are
 * re-normalised as those maxima grow, since the raw values are kept.
 */
export interface ModelBanditOptions {
  /** Model spec strings, in ensemble order. */
  models: readonly string[];
  /** Prior weights for epsilon draws and for the order of first tries; equal by default. */
  weights?: readonly number[];
  costCoefficient?: number;
  epsilon?: number;
  /** The UCB exploration constant c in mean + c·sqrt(2 ln N / n). Default 1. */
  exploration?: number;
  /** The default source of randomness; `choose(random)` may pass another per call. */
  random?: Random;
  /** Count an improvement as 1 however large it is (a rate of improving calls), instead of its size. */
  countImprovements?: boolean;
}

export interface BanditArmStatistics {
  model: string;
  pulls: number;
  meanReward: number;
  totalImprovement: number;
  totalCostUsd: number;
}

interface Arm {
  model: string;
  weight: number;
  pulls: number;
  /** Raw observations, summed, so rewards can be re-normalised against the current maxima. */
  improvementSum: number;
  costSum: number;
}

export interface ModelBandit {
  /** `allowed` narrows the arms for this draw (e.g. operators that cannot run here); all when absent or when it allows none. */
  choose(random?: Random, allowed?: (arm: string) => boolean): string;
  /** `childScore` null: the child failed. `parentScore` null: nothing to improve on (counts as no improvement). */
  update(model: string, outcome: { parentScore: number | null; childScore: number | null; costUsd: number }): void;
  statistics(): BanditArmStatistics[];
  saveState(): JsonObject;
  restoreState(state: JsonObject): void;
}

/** An arm's mean reward: normalised improvement − costCoefficient × normalised cost, per pull (0 before its first pull). */
export function armMeanReward(
  arm: { pulls: number; improvementSum: number; costSum: number },
  scale: { maxImprovement: number; maxCost: number; costCoefficient: number },
): number {
  if (arm.pulls === 0) return 0;
  const improvement = scale.maxImprovement > 0 ? arm.improvementSum / arm.pulls / scale.maxImprovement : 0;
  const cost = scale.maxCost > 0 ? arm.costSum / arm.pulls / scale.maxCost : 0;
  return improvement - scale.costCoefficient * cost;
}

/** The settings a bandit is created with when none are given; a checkpoint saved before it kept its settings was made with these. */
export const defaultBanditSettings = { costCoefficient: 0.5, epsilon: 0.1, exploration: 1 } as const;

export function createModelBandit(options: ModelBanditOptions): ModelBandit {
  if (options.models.length === 0) throw new RangeError('a model bandit needs at least one model');
  const costCoefficient = options.costCoefficient ?? defaultBanditSettings.costCoefficient;
  const epsilon = options.epsilon ?? defaultBanditSettings.epsilon;
  const exploration = options.exploration ?? defaultBanditSettings.exploration;
  let allArms: Arm[] = options.models.map((model, index) => ({
    model,
    weight: options.weights?.[index] ?? 1,
    pulls: 0,
    improvementSum: 0,
    costSum: 0,
  }));
  let maxImprovement = 0;
  let maxCost = 0;

  const meanReward = (arm: Arm): number => armMeanReward(arm, { maxImprovement, maxCost, costCoefficient });

  return {
    choose(callRandom?: Random, allowed?: (arm: string) => boolean): string {
      const permitted = allowed === undefined ? allArms : allArms.filter((arm) => allowed(arm.model));
      const arms = permitted.length === 0 ? allArms : permitted;
      if (arms.length === 1) return arms[0]!.model;
      const random = callRandom ?? options.random;
      if (random === undefined) throw new RangeError('model bandit: choose() needs a Random (none was configured)');
      if (random.next() < epsilon) return arms[random.weightedIndex(arms.map((arm) => arm.weight))]!.model;
      const untried = arms.filter((arm) => arm.pulls === 0);
      if (untried.length > 0) return untried[random.weightedIndex(untried.map((arm) => arm.weight))]!.model;
      const total = arms.reduce((sum, arm) => sum + arm.pulls, 0);
      let best: Arm = arms[0]!;
      let bestValue = -Infinity;
      for (const arm of arms) {
        const value = meanReward(arm) + exploration * Math.sqrt((2 * Math.log(total)) / arm.pulls);
        // Ties (common early on) go to a random arm, not always the first.
        if (value > bestValue || (value === bestValue && random.next() < 0.5)) {
          best = arm;
          bestValue = value;
        }
      }
      return best.model;
    },

    update(model, outcome): void {
      const arm = allArms.find((candidate) => candidate.model === model);
      if (arm === undefined) return;
      const gain =
        outcome.childScore !== null && outcome.parentScore !== null && Number.isFinite(outcome.childScore)
          ? Math.max(0, outcome.childScore - outcome.parentScore)
          : 0;
      const improvement = options.countImprovements === true ? (gain > 0 ? 1 : 0) : gain;
      const cost = Number.isFinite(outcome.costUsd) && outcome.costUsd > 0 ? outcome.costUsd : 0;
      arm.pulls += 1;
      arm.improvementSum += improvement;
      arm.costSum += cost;
      maxImprovement = Math.max(maxImprovement, improvement);
      maxCost = Math.max(maxCost, cost);
    },

    statistics(): BanditArmStatistics[] {
      return allArms.map((arm) => ({
        model: arm.model,
        pulls: arm.pulls,
        meanReward: meanReward(arm),
        totalImprovement: arm.improvementSum,
        totalCostUsd: arm.costSum,
      }));
    },

    saveState(): JsonObject {
      return {
        version: 1,
        maxImprovement,
        maxCost,
        // Not read back (the run's settings decide them), but saved so a reader of the checkpoint
        // (the dashboard) scores the arms exactly as this bandit does.
        settings: { costCoefficient, epsilon, exploration, countImprovements: options.countImprovements === true },
        arms: allArms.map((arm) => ({ model: arm.model, weight: arm.weight, pulls: arm.pulls, improvementSum: arm.improvementSum, costSum: arm.costSum })),
      };
    },

    restoreState(state: JsonObject): void {
      maxImprovement = Number(state.maxImprovement ?? 0);
      maxCost = Number(state.maxCost ?? 0);
      const saved = new Map(
        (Array.isArray(state.arms) ? state.arms : []).filter(isJsonObject).map((entry) => [String(entry.model), entry] as const),
      );
      // Models added or removed since the checkpoint: new ones start fresh, gone ones are dropped.
      allArms = allArms.map((arm) => {
        const entry = saved.get(arm.model);
        if (entry === undefined) return { ...arm, pulls: 0, improvementSum: 0, costSum: 0 };
        return { ...arm, pulls: Number(entry.pulls ?? 0), improvementSum: Number(entry.improvementSum ?? 0), costSum: Number(entry.costSum ?? 0) };
      });
    },
  };
}

/**
 * The bandit in the shape the engine's ModelChooser expects: choose a client, observe outcomes by
 * model spec, and checkpoint. Ensemble weights become the bandit's prior weights.
 */
export function createBanditModelChooser(
  members: readonly { model: LanguageModelClient; weight: number }[],
  options: Omit<ModelBanditOptions, 'models' | 'weights'> = {},
): {
  readonly models: readonly LanguageModelClient[];
  choose(random: Random): LanguageModelClient;
  observe(outcome: { model: string; parentScore: number | null; childScore: number | null; costUsd: number }): void;
  saveState(): JsonObject;
  restoreState(state: JsonObject): void;
  statistics(): BanditArmStatistics[];
} {
  const models = members.map((member) => member.model);
  const bandit = createModelBandit({ ...options, models: models.map((model) => model.spec), weights: members.map((member) => member.weight) });
  return {
    models,
    choose(random) {
      const spec = bandit.choose(random);
      return models.find((model) => model.spec === spec) ?? models[0]!;
    },
    observe(outcome) {
      bandit.update(outcome.model, outcome);
    },
    saveState: () => bandit.saveState(),
    restoreState: (state) => bandit.restoreState(state),
    statistics: () => bandit.statistics(),
  };
}
