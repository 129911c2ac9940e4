import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/core/random.ts';
import { ProgramDatabase } from '../../../src/evolve/database/program-database.ts';
import { fingerprintText } from '../../../src/evolve/database/text-fingerprint.ts';
import {
  defaultParentSelection,
  islandStatistics,
  selectionWeight,
  selectParent,
  sigmoid,
  weightedDraw,
} from '../../../src/evolve/select-parent.ts';
import { selectInspirations } from '../../../src/evolve/select-inspirations.ts';

function databaseWith(scores: number[], islands = 1): ProgramDatabase {
  const database = new ProgramDatabase({ islands, features: [{ name: 'x', bins: 5, min: 0, max: scores.length }] });
  scores.forEach((score, index) => {
    database.add({
      id: `p${index}`,
      sequence: index,
      parentId: null,
      operator: 'test',
      generation: 0,
      score,
      features: { x: index },
      fingerprint: fingerprintText(`program number ${index} ${'x'.repeat(index)}`),
      island: 0,
    });
  });
  return database;
}

describe('parent selection weighting', () => {
  it('follows sigmoid(λ·(score − median)/spread) / (1 + children)', () => {
    const statistics = { median: 10, spread: 2, best: 20 };
    expect(selectionWeight(10, statistics, 0, 10)).toBeCloseTo(0.5, 12);
    expect(selectionWeight(10, statistics, 3, 10)).toBeCloseTo(0.125, 12);
    expect(selectionWeight(12, statistics, 0, 10)).toBeCloseTo(sigmoid(10), 12);
    expect(selectionWeight(11, statistics, 1, 10)).toBeCloseTo(sigmoid(5) / 2, 12);
    expect(selectionWeight(0, statistics, 0, 10)).toBeGreaterThan(0);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
  });

  it('uses half the IQR as spread, falls back to the range, and is finite when all scores tie', () => {
    const spreadOf = (scores: number[]): number => islandStatistics(databaseWith(scores).island(0))!.spread;
    expect(spreadOf([1, 2, 3, 4, 5])).toBeCloseTo((4 - 2) / 2, 12);
    expect(islandStatistics(databaseWith([1, 2, 3, 4, 5]).island(0))!.median).toBe(3);
    expect(spreadOf([1, 1, 1, 1, 1, 1, 9])).toBeCloseTo(2, 12);
    const tied = islandStatistics(databaseWith([4, 4, 4]).island(0))!;
    expect(tied.spread).toBe(0);
    expect(selectionWeight(4, tied, 0, 10)).toBe(0.5);
  });

  it('draws parents in proportion to their weights', () => {
    const database = databaseWith([1, 2, 3, 4, 5, 6, 7, 8]);
    const island = database.island(0);
    database.noteChild('p7');
    database.noteChild('p7');
    const statistics = islandStatistics(island)!;
    const weights = [0, 1, 2, 3, 4, 5, 6, 7].map((index) =>
      selectionWeight(index + 1, statistics, database.get(`p${index}`)!.children, 10),
    );
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const counts = new Map<string, number>();
    const random = new Random(11);
    const draws = 20_000;
    for (let index = 0; index < draws; index += 1) {
      const id = weightedDraw(island, random, 10).info.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (let index = 0; index < 8; index += 1) {
      const expected = weights[index]! / total;
      const observed = (counts.get(`p${index}`) ?? 0) / draws;
      expect(Math.abs(observed - expected)).toBeLessThan(0.02);
    }
    // The best program, discounted by its two children, is drawn less than the runner-up.
    expect(counts.get('p7')!).toBeLessThan(counts.get('p6')!);
  });

  it('mixes exploration, exploitation and weighted draws at the configured ratios', () => {
    const database = databaseWith([1, 2, 3, 4, 5, 6]);
    const random = new Random(5);
    const kinds = new Map<string, number>();
    for (let index = 0; index < 5000; index += 1) {
      const choice = selectParent({ database, island: 0, random, settings: { ...defaultParentSelection, fixRatio: 0 }, canRepair: false })!;
      kinds.set(choice.kind, (kinds.get(choice.kind) ?? 0) + 1);
    }
    expect(kinds.get('exploration')! / 5000).toBeCloseTo(0.2, 1);
    expect(kinds.get('exploitation')! / 5000).toBeCloseTo(0.2, 1);
    expect(kinds.get('weighted')! / 5000).toBeCloseTo(0.6, 1);
  });

  it('enters fix mode on an island with failures and nothing working, when repair is possible', () => {
    const database = new ProgramDatabase({ islands: 2 });
    database.recordFailure({ id: 'broken', island: 1, generation: 1, failureKind: 'crash', operator: 'llm-diff' });
    const random = new Random(1);
    expect(selectParent({ database, island: 1, random, settings: defaultParentSelection, canRepair: true })).toEqual({
      kind: 'fix',
      programId: 'broken',
      failed: true,
    });
    expect(selectParent({ database, island: 1, random, settings: defaultParentSelection, canRepair: false })).toBeUndefined();
  });
});

describe('inspirations', () => {
  it('include the island best, never the parent, and no duplicates', () => {
    const database = databaseWith([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const random = new Random(2);
    for (let round = 0; round < 50; round += 1) {
      const parentId = `p${random.integer(9)}`;
      const picks = selectInspirations({ database, island: 0, parentId, random, settings: { count: 4, neighbourRadius: 2, diverseSampleSize: 4 } });
      expect(picks).toHaveLength(4);
      expect(picks[0]).toBe('p9');
      expect(picks).not.toContain(parentId);
      expect(new Set(picks).size).toBe(picks.length);
    }
  });
});
