import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/core/random.ts';
import { viewBanditState } from '../../../src/evolve/bandit-view.ts';
import { operatorMixSettings } from '../../../src/evolve/engine/operator-choice.ts';
import { createModelBandit, type ModelBandit } from '../../../src/evolve/model-bandit.ts';

/** A bandit with settings far from the defaults, fed a fixed history: a reader of its checkpoint must score it as it does. */
function playedBandit(): ModelBandit {
  const bandit = createModelBandit({ models: ['strong', 'cheap', 'weak'], weights: [1, 3, 1], costCoefficient: 2, epsilon: 0.3, exploration: 0.25 });
  const history: [string, number | null, number][] = [
    ['strong', 1.4, 0.02],
    ['cheap', 1.1, 0.002],
    ['weak', null, 0.004],
    ['strong', 1.0, 0.03],
    ['cheap', 1.3, 0.001],
    ['cheap', 0.9, 0.002],
  ];
  for (const [model, childScore, costUsd] of history) bandit.update(model, { parentScore: 1, childScore, costUsd });
  return bandit;
}

describe('a bandit read back from its checkpoint', () => {
  it('is scored with the settings it saved, exactly as the bandit scores itself', () => {
    const bandit = playedBandit();
    const view = viewBanditState(JSON.parse(JSON.stringify(bandit.saveState())))!;
    expect(view.settings).toEqual({ costCoefficient: 2, epsilon: 0.3, exploration: 0.25, countImprovements: false, saved: true });
    const own = bandit.statistics();
    expect(view.arms.map((arm) => arm.arm)).toEqual(own.map((arm) => arm.model));
    for (const [index, arm] of view.arms.entries()) {
      expect(arm.pulls).toBe(own[index]!.pulls);
      // With the default coefficient (0.5, what the dashboard assumed before) these differ.
      expect(arm.meanReward).toBeCloseTo(own[index]!.meanReward, 12);
    }
    expect(view.arms.map((arm) => arm.weight)).toEqual([1, 3, 1]);
  });

  it("gives each arm the chance that the bandit's next pick is it", () => {
    const bandit = playedBandit();
    const view = viewBanditState(bandit.saveState())!;
    expect(view.arms.reduce((sum, arm) => sum + arm.nextPickChance, 0)).toBeCloseTo(1, 12);
    const random = new Random(11);
    const draws = 20_000;
    const counts = new Map<string, number>();
    for (let draw = 0; draw < draws; draw += 1) {
      const arm = bandit.choose(random);
      counts.set(arm, (counts.get(arm) ?? 0) + 1);
    }
    for (const arm of view.arms) expect(Math.abs((counts.get(arm.arm) ?? 0) / draws - arm.nextPickChance)).toBeLessThan(0.02);
  });

  it('sends the picks that are not epsilon draws to untried arms first', () => {
    const bandit = createModelBandit({ models: ['tried', 'untried'], epsilon: 0.1 });
    bandit.update('tried', { parentScore: 1, childScore: 2, costUsd: 0 });
    const view = viewBanditState(bandit.saveState())!;
    expect(view.arms[0]!.nextPickChance).toBeCloseTo(0.05, 12);
    expect(view.arms[1]!.nextPickChance).toBeCloseTo(0.95, 12);
    expect(view.arms[1]!.bonus).toBeNull();
  });

  it('assumes the settings its bandit was made with when the checkpoint predates saved settings', () => {
    const legacy = { version: 1, maxImprovement: 1, maxCost: 0, arms: [{ model: 'llm-diff', pulls: 2, improvementSum: 1, costSum: 0 }, { model: 'numeric-tune', pulls: 2, improvementSum: 2, costSum: 0 }] };
    const view = viewBanditState(legacy, operatorMixSettings)!;
    expect(view.settings).toEqual({ costCoefficient: 0.5, epsilon: 0.2, exploration: 0.5, countImprovements: true, saved: false });
    expect(view.arms.map((arm) => arm.meanReward)).toEqual([0.5, 1]);
    expect(viewBanditState({ arms: 'not a list' })).toBeUndefined();
    expect(viewBanditState(null)).toBeUndefined();
  });
});
