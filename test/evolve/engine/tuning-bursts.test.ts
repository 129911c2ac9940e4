import { describe, expect, it } from 'vitest';
import type { OperatorYield } from '../../../src/evolve/engine/operator-yield.ts';
import { TuningBursts } from '../../../src/evolve/engine/tuning-bursts.ts';

function yieldOf(proposed: number, improved: number): OperatorYield {
  return { proposed, evaluated: proposed, improved, rejected: {}, failed: {} };
}

describe('TuningBursts', () => {
  it('starts a burst only for a model child that is its island\'s best, newest best per island', () => {
    const bursts = new TuningBursts({ baseLength: 3, minLength: 1, maxLength: 10 });
    bursts.onEvaluated({ id: 'tuned', island: 0, operator: 'numeric-tune', isIslandBest: true }, {});
    bursts.onEvaluated({ id: 'worse', island: 0, operator: 'llm-diff', isIslandBest: false }, {});
    expect(bursts.next()).toBeUndefined();
    bursts.onEvaluated({ id: 'first', island: 0, operator: 'llm-diff', isIslandBest: true }, {});
    bursts.onEvaluated({ id: 'second', island: 0, operator: 'llm-rewrite', isIslandBest: true }, {});
    const steps = [bursts.next(), bursts.next(), bursts.next(), bursts.next()];
    expect(steps.map((step) => step?.programId)).toEqual(['second', 'second', 'second', undefined]);
  });

  it('lengthens bursts while the tuner improves more often than the model, and shortens them otherwise', () => {
    const bursts = new TuningBursts({ baseLength: 6, minLength: 2, maxLength: 24 });
    const even = bursts.lengthFor({ 'numeric-tune': yieldOf(20, 5), 'llm-diff': yieldOf(20, 5) });
    const tunerAhead = bursts.lengthFor({ 'numeric-tune': yieldOf(20, 10), 'llm-diff': yieldOf(20, 2) });
    const modelAhead = bursts.lengthFor({ 'numeric-tune': yieldOf(20, 1), 'llm-diff': yieldOf(20, 12) });
    expect(even).toBe(6);
    expect(tunerAhead).toBeGreaterThan(even);
    expect(modelAhead).toBeLessThan(even);
    expect(modelAhead).toBeGreaterThanOrEqual(2);
  });

  it('saves and restores the bursts still to run, so a resumed run finishes them', () => {
    const bursts = new TuningBursts({ baseLength: 4, minLength: 1, maxLength: 10 });
    bursts.onEvaluated({ id: 'child', island: 1, operator: 'llm-diff', isIslandBest: true }, {});
    bursts.next();
    const restored = new TuningBursts({ baseLength: 4, minLength: 1, maxLength: 10 });
    restored.restoreState(JSON.parse(JSON.stringify(bursts.saveState())));
    expect(restored.pending).toBe(3);
    expect(restored.next()).toEqual({ programId: 'child', island: 1 });
    restored.restoreState('damaged');
    expect(restored.pending).toBe(0);
  });
});
