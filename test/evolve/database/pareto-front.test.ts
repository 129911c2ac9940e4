import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/core/random.ts';
import { ParetoFront } from '../../../src/evolve/database/pareto-front.ts';
import { ProgramDatabase, type NewProgramEntry } from '../../../src/evolve/database/program-database.ts';
import type { ProgramInfo } from '../../../src/evolve/database/program-entry.ts';
import { fingerprintText } from '../../../src/evolve/database/text-fingerprint.ts';
import { selectParent } from '../../../src/evolve/select-parent.ts';

/** The Pareto front over success (maximise) and cost (minimise), alone and inside the database. */
const objectives = [
  { metric: 'success', goal: 'maximize' as const },
  { metric: 'cost', goal: 'minimize' as const },
];

function info(id: string, sequence: number, score = 0): ProgramInfo {
  return { id, sequence, parentId: null, operator: 'x', generation: 0, score, features: {}, fingerprint: fingerprintText(id), children: 0, islands: [0], migrated: false };
}

function entry(id: string, sequence: number, metrics: { success: number; cost: number }, score = metrics.success): NewProgramEntry {
  return {
    id,
    sequence,
    parentId: null,
    operator: 'x',
    generation: 0,
    score,
    features: {},
    fingerprint: fingerprintText(`program ${id} ${'#'.repeat(sequence)}`),
    island: 0,
    metrics,
  };
}

describe('ParetoFront', () => {
  it('keeps a cheap-but-weaker and a strong-but-costly program and drops the ones they dominate', () => {
    const front = new ParetoFront(objectives, 32);
    expect(front.offer(info('middling', 1), [0.5, 0.05])).toBe(true);
    expect(front.offer(info('cheap-weak', 2), [0.4, 0.01])).toBe(true);
    expect(front.offer(info('strong-costly', 3), [0.9, 0.2])).toBe(true);
    // Weaker and costlier than middling: dominated, never joins.
    expect(front.offer(info('dominated', 4), [0.45, 0.06])).toBe(false);
    // As strong as middling and cheaper: middling leaves.
    expect(front.offer(info('better-middle', 5), [0.5, 0.03])).toBe(true);
    expect(front.members().map((member) => member.info.id).sort()).toEqual(['better-middle', 'cheap-weak', 'strong-costly']);
    expect(front.has('middling')).toBe(false);
    // The same values as a member: the older member keeps its place.
    expect(front.offer(info('twin', 6), [0.4, 0.01])).toBe(false);
    expect(front.summary().members.map((member) => member.programId)).toEqual(['strong-costly', 'better-middle', 'cheap-weak']);
    expect(front.summary().members[0]!.objectives).toEqual({ success: 0.9, cost: 0.2 });
  });

  it('reads each objective from the metrics (combined_score from the score) and leaves out a program lacking one', () => {
    const front = new ParetoFront([objectives[1]!, { metric: 'combined_score', goal: 'maximize' }], 8);
    expect(front.valuesOf(0.7, { cost: 0.1 })).toEqual([0.1, 0.7]);
    expect(front.valuesOf(0.7, { cost: 0.1, combined_score: 0.6 })).toEqual([0.1, 0.6]);
    expect(front.valuesOf(0.7, {})).toBeUndefined();
    expect(front.valuesOf(0.7, { cost: 'cheap' })).toBeUndefined();
    expect(front.valuesOf(0.7, { cost: Number.NaN })).toBeUndefined();
  });

  it('over its capacity drops the most crowded member and keeps the extremes of every objective', () => {
    const front = new ParetoFront(objectives, 4);
    // On a line success = 10 * cost: every point is a trade-off; 0.50 sits closest to its neighbours.
    const points = [0.1, 0.9, 0.5, 0.55, 0.3];
    points.forEach((success, index) => front.offer(info(`p${success}`, index), [success, success / 10]));
    const kept = front.members().map((member) => member.values[0]!).sort();
    expect(kept).toHaveLength(4);
    expect(kept).toContain(0.1);
    expect(kept).toContain(0.9);
    expect(kept.filter((value) => value === 0.5 || value === 0.55)).toHaveLength(1);
  });
});

describe('ProgramDatabase with objectives', () => {
  it('keeps the front of everything added, protects its members from eviction, and draws parents from it', () => {
    const database = new ProgramDatabase({ islands: 1, populationSize: 4, archiveSize: 1, objectives, frontSize: 8, features: [{ name: 'code-length', bins: 1 }] });
    // cheap-weak has the lowest combined score of all: only its place on the front keeps it.
    database.add(entry('cheap-weak', 1, { success: 0.3, cost: 0.01 }, 0.05));
    database.add(entry('strong-costly', 2, { success: 0.9, cost: 0.5 }));
    for (let index = 0; index < 6; index += 1) database.add(entry(`dominated-${index}`, 3 + index, { success: 0.2, cost: 0.6 + index / 100 }));
    expect(database.front?.members().map((member) => member.info.id).sort()).toEqual(['cheap-weak', 'strong-costly']);
    // Over the island's cap of 4, dominated programs go; both front members stay.
    expect(database.size).toBe(4);
    expect(database.get('cheap-weak')).toBeDefined();
    expect(database.get('strong-costly')).toBeDefined();
    const random = new Random(4);
    const kinds = new Map<string, Set<string>>();
    for (let draw = 0; draw < 400; draw += 1) {
      const choice = selectParent({ database, island: 0, random, settings: { explorationRatio: 0.2, exploitationRatio: 0.2, lambda: 10, fixRatio: 0 }, canRepair: false })!;
      const ids = kinds.get(choice.kind) ?? new Set<string>();
      ids.add(choice.programId);
      kinds.set(choice.kind, ids);
    }
    // Outside exploration every draw is a member of the front, and both ends are tried.
    expect([...kinds.keys()].sort()).toEqual(['exploration', 'pareto']);
    expect([...kinds.get('pareto')!].sort()).toEqual(['cheap-weak', 'strong-costly']);
  });

  it('has no front and draws as before without objectives', () => {
    const database = new ProgramDatabase({ islands: 1 });
    database.add(entry('only', 1, { success: 0.3, cost: 0.01 }));
    expect(database.front).toBeUndefined();
    const choice = selectParent({ database, island: 0, random: new Random(1), settings: { explorationRatio: 0, exploitationRatio: 0, lambda: 10, fixRatio: 0 }, canRepair: false });
    expect(choice?.kind).toBe('weighted');
  });
});
