import { describe, expect, it } from 'vitest';
import type { EvolveEvent } from '../../../src/evolve/engine/events.ts';
import { evolve, type EvolveOptions } from '../../../src/evolve/evolve.ts';
import { createNumericTuneOperator } from '../../../src/evolve/operators/numeric-tune.ts';
import type { Evaluator, Operator } from '../../../src/evolve/types.ts';
import { closeAfterEach } from './test-resources.ts';
import { fakeEvaluator, fakeProblem, modelOperator, scriptedModel, valueOf } from './fakes.ts';

/**
 * The same seed gives the same candidates and scores whatever the number of evaluation slots:
 * results are applied in attempt order, not in the order evaluations finish. The evaluator here
 * makes later candidates finish first on purpose (a candidate's wait depends on its value), so a
 * run that applied results as they came would reorder them; the assertions compare recorded
 * sequences only, never timings.
 */
const { memoryStore } = closeAfterEach();

/** Waits 0, 4 or 8 ms by the candidate's value: enough to reorder parallel evaluations, and irrelevant to the outcome. */
function reorderingEvaluator(): Evaluator {
  const inner = fakeEvaluator();
  return {
    evaluate: async (files, options) => {
      const wait = (Math.abs(Math.round(valueOf(files) * 1000)) % 3) * 4;
      await new Promise((resolve) => setTimeout(resolve, wait));
      return inner.evaluate(files, options);
    },
  };
}

interface Sequence {
  programs: Array<[operator: string, value: number, status: string, score: number | null]>;
  evaluated: Array<[iteration: number, score: number | null]>;
  bestScore: number | null;
}

async function sequenceOf(options: Omit<EvolveOptions, 'store'>): Promise<Sequence> {
  const store = memoryStore();
  const handle = evolve({ ...options, store });
  const events: EvolveEvent[] = [];
  const collecting = (async () => {
    for await (const event of handle.events) events.push(event);
  })();
  const summary = await handle.result;
  await collecting;
  expect(summary.status).toBe('finished');
  const programs = await store.listPrograms(await handle.runId);
  return {
    programs: programs.map((program) => [program.operator, valueOf(program.files), program.status, program.score]),
    evaluated: events.flatMap((event) => (event.type === 'candidate-evaluated' ? [[event.iteration, event.score] as [number, number | null]] : [])),
    bestScore: summary.bestScore,
  };
}

describe('a seeded run with several evaluation slots', () => {
  it('gives the same sequence with 1 and 3 slots (numeric tuner, model-free)', async () => {
    const run = (evaluations: number): Promise<Sequence> =>
      sequenceOf({
        problem: fakeProblem(10, { islands: 2, migrationInterval: 6 }),
        evaluator: reorderingEvaluator(),
        operators: [createNumericTuneOperator() as Operator],
        iterations: 30,
        seed: 11,
        concurrency: { evaluations },
      });
    const one = await run(1);
    const three = await run(3);
    expect(one.programs).toHaveLength(31);
    expect(new Set(one.programs.map(([, value]) => value)).size).toBeGreaterThan(10);
    expect(three).toEqual(one);
    // The iterations are applied in order, whichever evaluation finished first.
    expect(three.evaluated.map(([iteration]) => iteration)).toEqual([...three.evaluated.map(([iteration]) => iteration)].sort((a, b) => a - b));
  });

  it('gives the same sequence with 1 and 3 slots when a scripted model proposes', async () => {
    const run = (evaluations: number): Promise<Sequence> => {
      // The reply depends on the call's position and on the prompt (the parent and its score), as a real model's would on its input.
      const model = scriptedModel({
        reply: (call, prompt) => {
          const parent = Number(/x = (-?[\d.e+-]+)/.exec(prompt)?.[1] ?? 0);
          return String(Math.round((parent + (((call * 7) % 11) - 5) / 4) * 1000) / 1000);
        },
      });
      return sequenceOf({
        problem: fakeProblem(10, { novelty: { threshold: 1 } }),
        models: [model],
        evaluator: reorderingEvaluator(),
        operators: [modelOperator()],
        iterations: 24,
        seed: 5,
        concurrency: { evaluations, proposals: 3 },
      });
    };
    const one = await run(1);
    const three = await run(3);
    expect(one.programs.filter(([, , status]) => status === 'evaluated').length).toBeGreaterThan(10);
    expect(three).toEqual(one);
  });
});
