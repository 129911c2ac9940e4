import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import type { Operator, CandidateProposal } from '../../../src/evolve/types.ts';
import type { Store } from '../../../src/store/types.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';
import { fakeEvaluator, fakeProblem, programPath, programWith } from './fakes.ts';

/** Every proposal is the same child, and proposals finish together: only one may be evaluated. */
function constantOperator(): Operator {
  return {
    specificationVersion: 'v1',
    name: 'constant',
    needsModel: false,
    async propose(context): Promise<CandidateProposal> {
      return { files: { ...context.parent.files, [programPath]: programWith(5) }, diff: 'x -> 5', operator: 'constant', model: null, prompt: null, reply: null, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } };
    },
  };
}

describe('concurrent proposals of the same child', () => {
  it('evaluate it once and reject the others as duplicates', async () => {
    const store = createMemoryStore();
    try {
      const evaluator = fakeEvaluator({ delayMs: 20 });
      const handle = evolve({
        problem: fakeProblem(10, { islands: 1 }),
        store,
        evaluator,
        operators: [constantOperator()],
        iterations: 12,
        concurrency: { proposals: 4, evaluations: 4, queue: 8 },
      });
      const summary = await handle.result;
      expect(summary.iterations).toBe(12);
      expect(new Set(evaluator.log).size).toBe(evaluator.log.length);
      expect(evaluator.log).toHaveLength(2);
      expect(summary.rejections['novelty-rejected']).toBe(11);
      expect(summary.failures).toEqual({});
    } finally {
      await store.close();
    }
  });

  it('stay duplicates while the first one is being written to a slow store', async () => {
    const inner = createMemoryStore();
    // Writes take a while, so proposals finish between an evaluation's end and its record landing.
    const store = new Proxy(inner, {
      get(target, property) {
        if (property === 'putProgram') {
          return async (program: Parameters<Store['putProgram']>[0]) => {
            await new Promise((resolve) => setTimeout(resolve, 30));
            return target.putProgram(program);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...parameters: unknown[]) => unknown).bind(target) : value;
      },
    });
    try {
      const evaluator = fakeEvaluator();
      const handle = evolve({
        problem: fakeProblem(10, { islands: 1 }),
        store,
        evaluator,
        operators: [constantOperator()],
        iterations: 12,
        concurrency: { proposals: 4, evaluations: 4, queue: 8 },
      });
      const summary = await handle.result;
      expect(summary.iterations).toBe(12);
      expect(evaluator.log).toHaveLength(2);
      expect(new Set(evaluator.log).size).toBe(2);
    } finally {
      await inner.close();
    }
  });
});
