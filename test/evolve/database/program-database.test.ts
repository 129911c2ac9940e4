import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/core/random.ts';
import { OrderStatisticTree } from '../../../src/evolve/database/order-statistic-tree.ts';
import { ProgramDatabase, type NewProgramEntry } from '../../../src/evolve/database/program-database.ts';
import { FeatureSpace } from '../../../src/evolve/database/feature-grid.ts';
import { fingerprintText } from '../../../src/evolve/database/text-fingerprint.ts';

let sequence = 0;
function entry(score: number, island = 0, text = `program ${score} ${sequence}`, features?: Record<string, number>): NewProgramEntry {
  sequence += 1;
  const fingerprint = fingerprintText(text);
  return {
    id: `prg_${sequence}`,
    sequence,
    parentId: null,
    operator: 'test',
    generation: 0,
    score,
    features: features ?? { 'code-length': text.length, diversity: 0.5 },
    fingerprint,
    island,
  };
}

describe('OrderStatisticTree', () => {
  it('answers ranks, quantiles and ordered walks like a sorted array', () => {
    const tree = new OrderStatisticTree<number>();
    const random = new Random(3);
    const reference: { score: number; tie: number }[] = [];
    for (let tie = 0; tie < 500; tie += 1) {
      const score = Math.round(random.next() * 50);
      tree.insert(score, tie, tie);
      reference.push({ score, tie });
    }
    for (let index = 0; index < 200; index += 1) {
      const removed = reference.splice(random.integer(reference.length), 1)[0]!;
      expect(tree.remove(removed.score, removed.tie)).toBe(true);
    }
    expect(tree.remove(999, 999)).toBe(false);
    reference.sort((a, b) => a.score - b.score || a.tie - b.tie);
    expect(tree.size).toBe(reference.length);
    for (let index = 0; index < reference.length; index += 7) expect(tree.at(index)).toBe(reference[index]!.tie);
    expect(tree.quantile(0)).toBe(reference[0]!.score);
    expect(tree.quantile(1)).toBe(reference.at(-1)!.score);
    const descending: number[] = [];
    tree.descending((value) => {
      descending.push(value);
      return descending.length < 10;
    });
    expect(descending).toEqual(reference.slice(-10).reverse().map((item) => item.tie));
  });
});

describe('FeatureSpace', () => {
  it('bins fixed ranges and lists neighbours within a radius', () => {
    const space = new FeatureSpace([
      { name: 'a', bins: 5, min: 0, max: 10 },
      { name: 'b', bins: 4, min: 0, max: 1 },
    ]);
    expect(space.cellCount).toBe(20);
    expect(space.cellOf({ a: 0, b: 0 })).toBe(0);
    expect(space.cellOf({ a: 10, b: 1 })).toBe(19);
    expect(space.cellOf({ a: 4.5, b: 0.6 })).toBe(2 + 2 * 5);
    expect(space.neighbours(0, 1).sort((x, y) => x - y)).toEqual([1, 5, 6]);
    expect(space.neighbours(12, 2)).toHaveLength(5 * 4 - 1);
  });

  it('widens adaptive ranges and re-bins the elites without losing the better one', () => {
    const database = new ProgramDatabase({ islands: 1, features: [{ name: 'x', bins: 4 }], populationSize: 100 });
    const epochBefore = database.space.epoch;
    database.add(entry(1, 0, 'a', { x: 0 }));
    database.add(entry(2, 0, 'b', { x: 1 }));
    database.add(entry(3, 0, 'c', { x: 100 }));
    expect(database.space.epoch).toBeGreaterThan(epochBefore);
    const elites = database.island(0).grid.elites();
    // 0 and 1 now share the lowest bin; the better one (score 2) keeps it.
    expect(elites.map((placement) => placement.info.score).sort()).toEqual([2, 3]);
  });
});

describe('ProgramDatabase', () => {
  it('keeps one elite per cell: the higher score wins', () => {
    const database = new ProgramDatabase({ islands: 1, features: [{ name: 'x', bins: 2, min: 0, max: 1 }] });
    database.add(entry(1, 0, 'a', { x: 0.1 }));
    database.add(entry(5, 0, 'b', { x: 0.2 }));
    database.add(entry(3, 0, 'c', { x: 0.3 }));
    database.add(entry(4, 0, 'd', { x: 0.9 }));
    const island = database.island(0);
    expect(island.grid.elite(0)?.info.score).toBe(5);
    expect(island.grid.elite(1)?.info.score).toBe(4);
  });

  it('evicts down to the cap, never the best, and cell owners last', () => {
    const database = new ProgramDatabase({
      islands: 1,
      populationSize: 20,
      archiveSize: 2,
      features: [{ name: 'x', bins: 4, min: 0, max: 4 }],
    });
    const best = database.add(entry(1000, 0, 'best', { x: 0.5 })).info;
    const random = new Random(1);
    const evicted: string[] = [];
    for (let index = 0; index < 300; index += 1) {
      evicted.push(...database.add(entry(random.next() * 100, 0, `p${index}`, { x: random.next() * 4 })).evicted);
    }
    const island = database.island(0);
    expect(island.size).toBe(20);
    expect(database.size).toBe(20);
    expect(database.get(best.id)).toBe(best);
    expect(database.best()).toBe(best);
    expect(evicted).not.toContain(best.id);
    // Every grid cell still has an elite that is a member.
    for (const elite of island.grid.elites()) expect(island.has(elite.info.id)).toBe(true);
    expect(island.grid.size).toBe(4);
    // Survivors are the best non-protected programs: the lowest survivor beats most evicted ones.
    expect(evicted.length).toBe(301 - 20);
  });

  it('migrates the top fraction around the ring, each program at most once, copies never onward', () => {
    const database = new ProgramDatabase({
      islands: 3,
      populationSize: 3000,
      migrationInterval: 10,
      migrationRate: 0.2,
      features: [{ name: 'x', bins: 1, min: 0, max: 1 }],
    });
    for (let index = 0; index < 10; index += 1) database.add(entry(index, 0, `i0-${index}`, { x: 0 }));
    expect(database.islandsDueForMigration()).toEqual([0]);
    const moves = database.migrateFrom(0);
    expect(moves.map((move) => move.to)).toEqual([1, 1]);
    expect(moves.map((move) => database.get(move.programId)!.score)).toEqual([9, 8]);
    expect(database.island(1).size).toBe(2);
    expect(database.islandsDueForMigration()).toEqual([]);
    // A second migration does not resend the same programs.
    expect(database.migrateFrom(0)).toEqual([]);
    // Copies on island 1 do not travel on to island 2.
    expect(database.migrateFrom(1)).toEqual([]);
    expect(database.island(2).size).toBe(0);
    // A program never appears twice on one island.
    expect(database.addCopy(moves[0]!.programId, 1)).toBe(false);
    expect(database.size).toBe(10);
  });

  it('replays recorded migrations on resume', () => {
    const first = new ProgramDatabase({ islands: 2, migrationInterval: 2, migrationRate: 0.5 });
    const second = new ProgramDatabase({ islands: 2, migrationInterval: 2, migrationRate: 0.5 });
    const entries = [entry(1), entry(2), entry(3), entry(4)];
    for (const item of entries) {
      first.add(item);
      second.add(item);
    }
    const moves = first.migrateFrom(0);
    second.applyMigration(moves);
    expect(second.island(1).size).toBe(first.island(1).size);
    expect(second.get(moves[0]!.programId)!.migrated).toBe(true);
  });

  it('keeps the elite archive sorted and bounded', () => {
    const database = new ProgramDatabase({ islands: 1, archiveSize: 3 });
    for (const score of [5, 1, 9, 7, 3]) database.add(entry(score));
    expect(database.archive.list().map((info) => info.score)).toEqual([9, 7, 5]);
  });

  it('computes a diversity feature from a fixed reference sample', () => {
    const database = new ProgramDatabase({ islands: 1, referenceSampleSize: 2 });
    database.add(entry(1, 0, 'def f(x): return x * 2 + 1'));
    database.add(entry(1, 0, 'def f(x): return x * 3 + 1'));
    const near = database.computeFeatures(fingerprintText('def f(x): return x * 2 + 1'), {});
    const far = database.computeFeatures(fingerprintText('class Solver { solve(a, b) { while (a < b) a += 3; } }'), { other: 2 });
    expect(near['diversity']).toBeLessThan(far['diversity']!);
    expect(far['diversity']).toBeCloseTo(1, 1);
    expect(near['code-length']).toBe(26);
  });
});
