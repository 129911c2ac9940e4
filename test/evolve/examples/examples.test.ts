import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../../src/core/random.ts';
import { createEvaluator } from '../../../src/evolve/evaluate/create-evaluator.ts';
import { createNumericTuneOperator } from '../../../src/evolve/operators/numeric-tune.ts';
import { loadProblem } from '../../../src/evolve/problem/load-problem.ts';
import type { Problem } from '../../../src/evolve/types.ts';

const examples = join(import.meta.dirname, '../../../examples');
const tempRoot = mkdtempSync(join(tmpdir(), 'lamarck-examples-'));

afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

function withBlock(problem: Problem, transform: (content: string) => string): Record<string, string> {
  return { ...problem.files, [problem.entryFile]: transform(problem.files[problem.entryFile]!) };
}

describe('examples/function-minimization', () => {
  it('scores the initial program through the cascade and rejects a broken one', async () => {
    const problem = await loadProblem(join(examples, 'function-minimization'));
    expect(problem.evaluator.cascade).toHaveLength(1);
    const evaluator = createEvaluator(problem, { tempRoot });
    const result = await evaluator.evaluate(problem.files, {});
    expect(result.ok).toBe(true);
    expect(result.stages).toBe(2);
    expect(result.score).toBeGreaterThan(0.5);
    expect(result.score).toBeLessThan(1.2);
    expect(result.metrics.reliability_score).toBe(1);
    const broken = withBlock(problem, (content) => content.replace('    iterations = 50\n', '    iterations = 50 +\n'));
    const failed = await evaluator.evaluate(broken, {});
    expect(failed.failure?.kind).toBe('exit-code');
    expect(failed.stages).toBe(1);
    expect(String(failed.artifacts.stderr)).toContain('SyntaxError');
  });

  it('gives the numeric tuner literals to work on, and its child evaluates', async () => {
    const problem = await loadProblem(join(examples, 'function-minimization'));
    const operator = createNumericTuneOperator();
    const parent = { id: 'seed', files: problem.files, score: 0.7, metrics: {}, artifacts: {}, failure: null, operator: 'seed', generation: 0 };
    const proposal = await operator.propose({ problem, parent, inspirations: [], insights: [], random: new Random(1) });
    expect(proposal.diff).toMatch(/iterations|local_probability|step_size|bounds/);
    const result = await createEvaluator(problem, { tempRoot }).evaluate(proposal.files, {});
    expect(result.failure?.kind ?? 'ok').toMatch(/^(ok|cascade-rejected)$/);
  });
});

describe('examples/circle-packing', () => {
  it('scores the initial packing, scores an invalid one 0, and rejects a crashing one', async () => {
    const problem = await loadProblem(join(examples, 'circle-packing'));
    const evaluator = createEvaluator(problem, { tempRoot });
    const result = await evaluator.evaluate(problem.files, {});
    expect(result.ok).toBe(true);
    expect(result.score).toBeGreaterThan(1.8);
    expect(result.metrics.validity).toBe(1);
    expect(result.metrics.target_ratio).toBeCloseTo((result.score ?? 0) / 2.635, 9);

    const overlapping = withBlock(problem, (content) => content.replace('    return radii\n', '    return [r * 1.01 for r in radii]\n'));
    const invalid = await evaluator.evaluate(overlapping, {});
    expect(invalid.ok).toBe(true);
    expect(invalid.score).toBe(0);
    expect(invalid.metrics.validity).toBe(0);
    expect(String(invalid.artifacts.violations)).toMatch(/overlap|leaves the unit square/);

    const crashing = withBlock(problem, (content) => content.replace('    centers = []\n', '    centers = []\n    raise RuntimeError("layout failed")\n'));
    const crashed = await evaluator.evaluate(crashing, {});
    expect(crashed.failure?.kind).toBe('exit-code');
    expect(String(crashed.artifacts.stderr)).toContain('layout failed');
  });
});

describe('examples/js-bin-packing', () => {
  it('scores the initial heuristic with the running Node and rejects a throwing one', async () => {
    const problem = await loadProblem(join(examples, 'js-bin-packing'));
    expect(problem.evaluator.command[0]).toBe('${node}');
    const evaluator = createEvaluator(problem, { tempRoot });
    const result = await evaluator.evaluate(problem.files, {});
    expect(result.ok).toBe(true);
    expect(result.score).toBeGreaterThan(0.8);
    expect(result.score).toBeLessThan(0.95);
    const throwing = withBlock(problem, (content) => content.replace('  const leftover', "  throw new Error('no priority today');\n  const leftover"));
    const failed = await evaluator.evaluate(throwing, {});
    expect(failed.failure?.kind).toBe('exit-code');
    expect(String(failed.artifacts.stderr)).toContain('no priority today');
  });
});
