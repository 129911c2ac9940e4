import { isJsonObject } from '../core/json.ts';
import { armMeanReward, defaultBanditSettings } from './model-bandit.ts';

/**
 * A bandit as its checkpoint saved it, scored the way the bandit itself scores it
 * (model-bandit.ts), for readers that only have the checkpoint: the dashboard's models view. Each
 * arm gets its mean reward, its UCB exploration bonus, and its chance of being picked next.
 */
export interface BanditSettingsView {
  /** Reward = normalised improvement − costCoefficient × normalised cost. */
  costCoefficient: number;
  /** Share of picks drawn by prior weight instead of by score. */
  epsilon: number;
  /** c in mean + c·√(2 ln N / n). */
  exploration: number;
  /** Improvements counted as 1 each (a rate of improving calls) rather than by size. */
  countImprovements: boolean;
  /** False when the checkpoint predates saved settings and the defaults of its bandit were assumed. */
  saved: boolean;
}

export interface BanditArmView {
  arm: string;
  weight: number;
  pulls: number;
  improvementSum: number;
  costSum: number;
  meanReward: number;
  /** Null before the arm's first pull (it is then tried before any scored pick). */
  bonus: number | null;
  /** The chance the next unrestricted pick is this arm: ε by weight, plus 1 − ε for the arm that scores highest (split evenly on a tie, which the bandit breaks by coin flips). */
  nextPickChance: number;
}

export interface BanditView {
  settings: BanditSettingsView;
  arms: BanditArmView[];
}

/**
 * Reads a saved bandit state; undefined when `state` is not one. `fallback` names the settings
 * its bandit was made with, for checkpoints written before the settings were saved with the state.
 */
export function viewBanditState(state: unknown, fallback: Partial<Omit<BanditSettingsView, 'saved'>> = {}): BanditView | undefined {
  if (!isJsonObject(state) || !Array.isArray(state['arms'])) return undefined;
  const saved = isJsonObject(state['settings']) ? state['settings'] : undefined;
  const setting = (name: 'costCoefficient' | 'epsilon' | 'exploration'): number => {
    const value = saved?.[name];
    return typeof value === 'number' && Number.isFinite(value) ? value : (fallback[name] ?? defaultBanditSettings[name]);
  };
  const settings: BanditSettingsView = {
    costCoefficient: setting('costCoefficient'),
    epsilon: setting('epsilon'),
    exploration: setting('exploration'),
    countImprovements: typeof saved?.['countImprovements'] === 'boolean' ? saved['countImprovements'] : (fallback.countImprovements ?? false),
    saved: saved !== undefined,
  };
  const scale = { maxImprovement: finite(state['maxImprovement']), maxCost: finite(state['maxCost']), costCoefficient: settings.costCoefficient };
  const arms = state['arms'].filter(isJsonObject).map((entry) => {
    const weight = finite(entry['weight'], 1);
    return {
      arm: String(entry['model']),
      weight: weight > 0 ? weight : 1,
      pulls: finite(entry['pulls']),
      improvementSum: finite(entry['improvementSum']),
      costSum: finite(entry['costSum']),
    };
  });
  const total = arms.reduce((sum, arm) => sum + arm.pulls, 0);
  const scored = arms.map((arm) => ({
    ...arm,
    meanReward: armMeanReward(arm, scale),
    bonus: arm.pulls === 0 || total === 0 ? null : Math.sqrt((2 * Math.log(total)) / arm.pulls),
  }));
  const chances = nextPickChances(scored, settings);
  return { settings, arms: scored.map((arm, index) => ({ ...arm, nextPickChance: chances[index]! })) };
}

/** The bandit's `choose` as probabilities: one arm always; else ε by weight, and 1 − ε to untried arms by weight or to the best scorers. */
function nextPickChances(arms: readonly { weight: number; pulls: number; meanReward: number; bonus: number | null }[], settings: BanditSettingsView): number[] {
  if (arms.length === 0) return [];
  if (arms.length === 1) return [1];
  const byWeight = (members: readonly { weight: number }[], arm: { weight: number }): number => arm.weight / members.reduce((sum, member) => sum + member.weight, 0);
  const untried = arms.filter((arm) => arm.pulls === 0);
  const values = arms.map((arm) => arm.meanReward + settings.exploration * (arm.bonus ?? 0));
  const best = Math.max(...values);
  const leaders = arms.filter((_, index) => values[index] === best);
  return arms.map((arm) => {
    const drawn = settings.epsilon * byWeight(arms, arm);
    if (untried.length > 0) return drawn + (arm.pulls === 0 ? (1 - settings.epsilon) * byWeight(untried, arm) : 0);
    return drawn + (leaders.includes(arm) ? (1 - settings.epsilon) / leaders.length : 0);
  });
}

function finite(value: unknown, fallback = 0): number {
  const number = Number(value ?? fallback);
  return Number.isFinite(number) ? number : fallback;
}
