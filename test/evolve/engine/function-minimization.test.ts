import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import type { EvolveEvent } from '../../../src/evolve/engine/events.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';

/**
 * Integration: the shipped function-minimization example, its real sandboxed evaluator (with its
 * cascade) and the real numeric-tune operator, with no model. A few evaluations must beat the
 * initial program.
 */
describe('model-free evolution of examples/function-minimization', () => {
  it('improves over the initial score with numeric tuning alone (seeded, one evaluation slot: reproducible)', async () => {
    const store = createMemoryStore();
    try {
      const handle = evolve({ problem: new URL('../../../examples/function-minimization', import.meta.url).pathname, store, iterations: 3, seed: 1, concurrency: { evaluations: 1 } });
      const events: EvolveEvent[] = [];
      for await (const event of handle.events) events.push(event);
      const summary = await handle.result;
      expect(summary.status).toBe('finished');
      expect(summary.initialScore).toBeGreaterThan(0.5);
      expect(summary.bestScore!).toBeGreaterThan(summary.initialScore!);
      expect(events.filter((event) => event.type === 'notice')).toHaveLength(1);
      const programs = await store.listPrograms(summary.runId);
      expect(programs).toHaveLength(4);
      expect(programs.slice(1).every((program) => program.operator === 'numeric-tune')).toBe(true);
      const best = programs.find((program) => program.id === summary.bestProgramId)!;
      expect(best.diff).toContain('@@');
      expect(typeof best.features['distance_score']).toBe('number');
    } finally {
      await store.close();
    }
  }, 90_000);
});
