import { describe, expect, it } from 'vitest';
import { evolve, type EvolveOptions } from '../../../src/evolve/evolve.ts';
import type { EvolveEvent } from '../../../src/evolve/engine/events.ts';
import { NoiseGuard } from '../../../src/evolve/engine/noise-guard.ts';
import type { EvaluationResult, Evaluator } from '../../../src/evolve/types.ts';
import { closeAfterEach } from './test-resources.ts';
import { fakeProblem, hashFiles, tuningOperator, valueOf } from './fakes.ts';

const { memoryStore } = closeAfterEach();

/** Scores -(x - 3)^2 plus the next value of a fixed noise cycle (zero noise: a deterministic evaluator); logs every evaluation. */
function noisyEvaluator(noise: readonly number[]): Evaluator & { log: string[] } {
  let call = 0;
  return {
    log: [] as string[],
    evaluate(files: Record<string, string>): Promise<EvaluationResult> {
      this.log.push(hashFiles(files));
      const offset = noise[call % noise.length]!;
      call += 1;
      const x = valueOf(files);
      return Promise.resolve({ ok: true, score: -((x - 3) ** 2) + offset, metrics: { x }, artifacts: {}, failure: null, stages: 1, durationMs: 1 });
    },
  };
}

async function run(options: EvolveOptions): Promise<{ events: EvolveEvent[]; runId: string }> {
  const handle = evolve(options);
  const events: EvolveEvent[] = [];
  for await (const event of handle.events) events.push(event);
  await handle.result;
  return { events, runId: await handle.runId };
}

function noiseScores(metrics: Record<string, unknown>): number[] | undefined {
  return (metrics['noise'] as { scores?: number[] } | undefined)?.scores;
}

describe('a noisy evaluator (settings.noise.repeats)', () => {
  it('is found from the initial program evaluated twice; a child that would become the best is evaluated again and scored by the mean', async () => {
    const store = memoryStore();
    const evaluator = noisyEvaluator([1.5, -1.5, 0.75, -0.25, 2, -2, 0.5]);
    const { events, runId } = await run({ problem: fakeProblem(10, { noise: { repeats: 2 } }), store, evaluator, operators: [tuningOperator()], iterations: 20, seed: 7, concurrency: { evaluations: 1 } });
    expect(events.some((event) => event.type === 'notice' && event.message.includes('the evaluator is noisy'))).toBe(true);
    const programs = await store.listPrograms(runId);
    const evaluationsOf = (hash: string) => evaluator.log.filter((logged) => logged === hash).length;
    const [initial, ...children] = programs;
    expect(noiseScores(initial!.metrics)).toEqual([-49 + 1.5, -49 - 1.5]);
    expect(initial!.score).toBe(-49);
    const repeated = children.filter((child) => noiseScores(child.metrics) !== undefined);
    expect(repeated.length).toBeGreaterThan(0);
    for (const child of children) {
      const scores = noiseScores(child.metrics);
      expect(evaluationsOf(hashFiles(child.files))).toBe(scores === undefined ? 1 : 3);
      if (scores !== undefined) expect(child.score).toBeCloseTo(scores.reduce((sum, score) => sum + score, 0) / 3, 12);
    }
    // Every best of the run was believed only after its repeats.
    let best = initial!;
    for (const child of children) {
      if (child.score !== null && child.score > best.score!) {
        expect(noiseScores(child.metrics)).toHaveLength(3);
        best = child;
      }
    }
    expect(evaluator.log).toHaveLength(programs.length + 1 + 2 * repeated.length);
  });

  it('costs a deterministic evaluator one extra evaluation of the initial program, and nothing else', async () => {
    const store = memoryStore();
    const evaluator = noisyEvaluator([0]);
    const { events, runId } = await run({ problem: fakeProblem(10, { noise: { repeats: 2 } }), store, evaluator, operators: [tuningOperator()], iterations: 20, seed: 7, concurrency: { evaluations: 1 } });
    expect(events.some((event) => event.type === 'notice' && event.message.includes('noisy'))).toBe(false);
    const programs = await store.listPrograms(runId);
    expect(programs.every((program) => noiseScores(program.metrics) === undefined)).toBe(true);
    expect(evaluator.log).toHaveLength(programs.length + 1);
  });

  it('is off by default: every program is evaluated once', async () => {
    const store = memoryStore();
    const evaluator = noisyEvaluator([1.5, -1.5]);
    const { runId } = await run({ problem: fakeProblem(10), store, evaluator, operators: [tuningOperator()], iterations: 10, seed: 7, concurrency: { evaluations: 1 } });
    expect(evaluator.log).toHaveLength(await store.countPrograms(runId));
  });

  it('knows after a resume that the evaluator was noisy, from the initial program’s recorded scores', () => {
    const resumed = new NoiseGuard({ repeats: 2 });
    resumed.restoreFromInitial({ x: 10, noise: { scores: [-47.5, -50.5], spread: 3 } });
    expect(resumed.noisy).toBe(true);
    const quiet = new NoiseGuard({ repeats: 2 });
    quiet.restoreFromInitial({ x: 10 });
    expect(quiet.noisy).toBe(false);
    const challenger: EvaluationResult = { ok: true, score: 5, metrics: {}, artifacts: {}, failure: null, stages: 1, durationMs: 1 };
    expect(resumed.shouldRepeat(challenger, 4)).toBe(true);
    expect(resumed.shouldRepeat(challenger, 6)).toBe(false);
    expect(quiet.shouldRepeat(challenger, 4)).toBe(false);
  });
});
