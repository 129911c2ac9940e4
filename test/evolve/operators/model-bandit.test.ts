import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/core/random.ts';
import { createModelBandit } from '../../../src/evolve/model-bandit.ts';

describe('model bandit', () => {
  it('tries every model, then prefers the one that improves more per cost', () => {
    const bandit = createModelBandit({ models: ['cheap-good', 'pricey-bad'], random: new Random(4), epsilon: 0.05 });
    const random = new Random(9);
    const counts: Record<string, number> = { 'cheap-good': 0, 'pricey-bad': 0 };
    for (let step = 0; step < 400; step += 1) {
      const model = bandit.choose();
      counts[model]! += 1;
      const good = model === 'cheap-good';
      const improved = random.next() < (good ? 0.5 : 0.1);
      bandit.update(model, { parentScore: 1, childScore: improved ? 1.2 : 0.9, costUsd: good ? 0.001 : 0.01 });
    }
    expect(counts['cheap-good']).toBeGreaterThan(counts['pricey-bad']! * 3);
    expect(counts['pricey-bad']).toBeGreaterThan(0);
    const [good, bad] = bandit.statistics();
    expect(good!.meanReward).toBeGreaterThan(bad!.meanReward);
  });

  it('penalises cost when improvements are equal', () => {
    const bandit = createModelBandit({ models: ['a', 'b'], random: new Random(1), epsilon: 0, costCoefficient: 1 });
    for (let step = 0; step < 200; step += 1) {
      const model = bandit.choose();
      bandit.update(model, { parentScore: 0, childScore: step % 2 === 0 ? 1 : 0, costUsd: model === 'a' ? 0.02 : 0.002 });
    }
    const stats = bandit.statistics();
    expect(stats[1]!.pulls).toBeGreaterThan(stats[0]!.pulls);
  });

  it('counts failures as no improvement, and restores its state', () => {
    const first = createModelBandit({ models: ['a', 'b'], random: new Random(2) });
    first.update('a', { parentScore: 1, childScore: null, costUsd: 0.01 });
    first.update('b', { parentScore: 1, childScore: 2, costUsd: 0.01 });
    first.update('unknown', { parentScore: 1, childScore: 2, costUsd: 0.01 });
    const saved = JSON.parse(JSON.stringify(first.saveState())) as Record<string, never>;
    const second = createModelBandit({ models: ['a', 'b', 'c'], random: new Random(2) });
    second.restoreState(saved);
    expect(second.statistics().map((arm) => arm.pulls)).toEqual([1, 1, 0]);
    expect(second.statistics()[0]!.totalImprovement).toBe(0);
    expect(second.statistics()[1]!.meanReward).toBeCloseTo(first.statistics()[1]!.meanReward, 12);
    // The untried model is chosen before any exploitation (unless an epsilon draw intervenes).
    const picks = new Set(Array.from({ length: 5 }, () => second.choose()));
    expect(picks.has('c')).toBe(true);
  });
});

describe('createBanditModelChooser', () => {
  it('chooses clients and learns from outcomes by spec', async () => {
    const { createBanditModelChooser } = await import('../../../src/evolve/model-bandit.ts');
    const { createScriptedModel } = await import('../../../src/testing/scripted-model.ts');
    const a = createScriptedModel({ replies: [], spec: 'scripted:a' });
    const b = createScriptedModel({ replies: [], spec: 'scripted:b' });
    const chooser = createBanditModelChooser([{ model: a, weight: 1 }, { model: b, weight: 1 }], { epsilon: 0 });
    const random = new Random(3);
    for (let step = 0; step < 60; step += 1) {
      const model = chooser.choose(random);
      chooser.observe({ model: model.spec, parentScore: 0, childScore: model === b ? 1 : 0, costUsd: 0.001 });
    }
    const stats = chooser.statistics();
    expect(stats.find((arm) => arm.model === b.spec)!.pulls).toBeGreaterThan(stats.find((arm) => arm.model === a.spec)!.pulls);
  });
});
