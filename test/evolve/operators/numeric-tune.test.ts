import { describe, expect, it } from 'vitest';
import { LamarckError } from '../../../src/core/errors.ts';
import { Random } from '../../../src/core/random.ts';
import { scanNumericLiterals, writeNumericLiterals } from '../../../src/evolve/operators/numeric-literals.ts';
import { createNumericTuneOperator } from '../../../src/evolve/operators/numeric-tune.ts';
import { SepCmaEs } from '../../../src/evolve/operators/sep-cma-es.ts';
import type { EvaluationResult, Problem, ProgramSnapshot } from '../../../src/evolve/types.ts';

const python = [
  'import math',
  'LIMIT = 500',
  '# EVOLVE-BLOCK-START',
  'def search(x1):',
  '    rate = 0.5  # start at 0.25',
  '    steps = 40',
  '    label = "run 12 times"',
  '    offset = -2.5e-1',
  '    delta = x1 - 3',
  '    value = points[0] + float32 + 0x1F + 1.5j',
  '    for i in range(0, 1):',
  '        pass',
  "    return rate * steps + offset + f(x, -7) + 1e3",
  '# EVOLVE-BLOCK-END',
  'print(search(1.25))',
  '',
].join('\n');

function problemOf(files: Record<string, string>, evolvableFiles: string[]): Problem {
  return {
    directory: '/nowhere',
    name: 'test',
    files,
    evolvableFiles,
    entryFile: evolvableFiles[0]!,
    evaluator: { kind: 'command', command: ['true'], timeoutMs: 1000, memoryLimitMb: 100, maxOutputBytes: 1000, cascade: [] },
    objective: 'maximize',
    features: [],
    templates: {},
    description: '',
    settings: {},
  };
}

function snapshot(files: Record<string, string>, score: number | null): ProgramSnapshot {
  return { id: 'p', files, score, metrics: {}, artifacts: {}, failure: null, operator: 'seed', generation: 0 };
}

describe('numeric literals', () => {
  it('finds literals inside blocks only, skipping strings, comments, identifiers, hex, suffixes, subscripts, 0 and 1', () => {
    const { literals } = scanNumericLiterals({ 'main.py': python }, ['main.py']);
    expect(literals.map((literal) => [literal.text, literal.value, literal.integer])).toEqual([
      ['0.5', 0.5, false],
      ['40', 40, true],
      ['-2.5e-1', -0.25, false],
      ['3', 3, true],
      ['-7', -7, true],
      ['1e3', 1000, false],
    ]);
  });

  it('handles JavaScript comments and template strings', () => {
    const js = '/* EVOLVE-BLOCK-START */\nconst a = 2.5; // 99\n/* 77 */ const s = `x ${3}`;\nconst b = [4, 5];\n/* EVOLVE-BLOCK-END */\n';
    expect(scanNumericLiterals({ 'a.js': js }, ['a.js']).literals.map((literal) => literal.value)).toEqual([2.5, 4, 5]);
  });

  it('writes values back keeping integers integral, floats floating, exponents exponents and binary minus binary', () => {
    const files = { 'main.py': python };
    const { literals } = scanNumericLiterals(files, ['main.py']);
    const written = writeNumericLiterals(files, literals, [2, 41.6, 0.125, -4, 7, 1000])['main.py']!;
    expect(written).toContain('rate = 2.0  # start at 0.25');
    expect(written).toContain('steps = 42');
    expect(written).toContain('offset = 1.25e-1');
    expect(written).toContain('delta = x1 - (-4)');
    expect(written).toContain('f(x, 7)');
    expect(written).toContain('+ 1e+3');
    expect(written).toContain('LIMIT = 500');
    // With signs kept, the structure is unchanged, so the rewritten program maps onto the same distribution.
    const sameSigns = writeNumericLiterals(files, literals, [2, 41.6, -0.125, 4, -7, 1000]);
    expect(sameSigns['main.py']).toContain('delta = x1 - 4');
    expect(scanNumericLiterals(sameSigns, ['main.py']).structureKey).toBe(scanNumericLiterals(files, ['main.py']).structureKey);
  });
});

describe('SepCmaEs', () => {
  it('minimises a shifted sphere (maximising its negation)', () => {
    const random = new Random(3);
    const cma = new SepCmaEs([0, 0, 0, 0], 0.5);
    const target = [1, -2, 0.5, 3];
    for (let generation = 0; generation < 120; generation += 1) {
      const samples = Array.from({ length: cma.populationSize }, () => {
        const { x } = cma.sample(random);
        return { x, score: -x.reduce((sum, value, index) => sum + (value - target[index]!) ** 2, 0) };
      });
      cma.tell(samples);
    }
    cma.mean.forEach((value, index) => expect(value).toBeCloseTo(target[index]!, 2));
  });
});

describe('numeric-tune operator', () => {
  const program = '# EVOLVE-BLOCK-START\na = 3.0\nb = -2.0\nn = 10\n# EVOLVE-BLOCK-END\n';
  const problem = problemOf({ 'p.py': program }, ['p.py']);
  const score = (files: Record<string, string>): number => {
    const values = scanNumericLiterals(files, ['p.py']).literals.map((literal) => literal.value);
    const [a, b, n] = values as [number, number, number];
    return -((a - 1.5) ** 2 + (b + 0.5) ** 2 + ((n - 20) / 10) ** 2);
  };

  async function runTuner(seed: number, iterations: number): Promise<{ best: number; files: Record<string, string> }> {
    const operator = createNumericTuneOperator();
    const random = new Random(seed);
    let best = snapshot({ 'p.py': program }, score({ 'p.py': program }));
    for (let iteration = 0; iteration < iterations; iteration += 1) {
      const proposal = await operator.propose({ problem, parent: best, inspirations: [], insights: [], random });
      const value = score(proposal.files);
      const result: EvaluationResult = { ok: true, score: value, metrics: {}, artifacts: {}, failure: null, stages: 1, durationMs: 1 };
      operator.observe!({ parent: best, proposal, result });
      if (value > best.score!) best = snapshot(proposal.files, value);
    }
    return { best: best.score!, files: best.files };
  }

  it('improves a program with no model, and integers stay integers', async () => {
    const start = score({ 'p.py': program });
    const { best, files } = await runTuner(7, 300);
    expect(best).toBeGreaterThan(-0.01);
    expect(best).toBeGreaterThan(start);
    expect(files['p.py']).toMatch(/\nn = \d+\n/);
    expect(files['p.py']).toMatch(/\na = \d+\.\d+\n/);
  });

  it('is reproducible from a seed', async () => {
    expect(await runTuner(11, 40)).toEqual(await runTuner(11, 40));
  });

  it('proposes a diff and no model call', async () => {
    const operator = createNumericTuneOperator();
    const proposal = await operator.propose({ problem, parent: snapshot({ 'p.py': program }, 0), inspirations: [], insights: [], random: new Random(1) });
    expect(proposal).toMatchObject({ operator: 'numeric-tune', model: null, prompt: null, reply: null, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } });
    expect(proposal.diff).toContain('--- a/p.py');
    expect(operator.needsModel).toBe(false);
  });

  it('saves and restores its distributions so a resumed run continues identically', async () => {
    const first = createNumericTuneOperator();
    const random = new Random(5);
    const parent = snapshot({ 'p.py': program }, score({ 'p.py': program }));
    for (let iteration = 0; iteration < 30; iteration += 1) {
      const proposal = await first.propose({ problem, parent, inspirations: [], insights: [], random });
      first.observe!({ parent, proposal, result: { ok: true, score: score(proposal.files), metrics: {}, artifacts: {}, failure: null, stages: 1, durationMs: 1 } });
    }
    const saved = JSON.parse(JSON.stringify(first.saveState!())) as Record<string, never>;
    const second = createNumericTuneOperator();
    second.restoreState!(saved);
    const randomState = random.saveState();
    const a = await first.propose({ problem, parent, inspirations: [], insights: [], random: Random.fromState(randomState) });
    const b = await second.propose({ problem, parent, inspirations: [], insights: [], random: Random.fromState(randomState) });
    expect(b.files).toEqual(a.files);
    expect(second.distributionCount()).toBe(1);
  });

  it('treats failed evaluations as worst and refuses programs with nothing to tune', async () => {
    const operator = createNumericTuneOperator({ populationSize: 4 });
    const parent = snapshot({ 'p.py': program }, -1);
    const random = new Random(2);
    for (let iteration = 0; iteration < 8; iteration += 1) {
      const proposal = await operator.propose({ problem, parent, inspirations: [], insights: [], random });
      operator.observe!({
        parent,
        proposal,
        result: { ok: false, score: null, metrics: {}, artifacts: {}, failure: { kind: 'exit-code', message: 'x' }, stages: 1, durationMs: 1 },
      });
    }
    const bare = problemOf({ 'q.py': '# EVOLVE-BLOCK-START\nx = y\n# EVOLVE-BLOCK-END\n' }, ['q.py']);
    const error = await operator
      .propose({ problem: bare, parent: snapshot(bare.files, 0), inspirations: [], insights: [], random })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LamarckError);
    expect((error as LamarckError).code).toBe('operator-not-applicable');
  });

  it('searches a tolerance and a count across orders of magnitude, within sane bounds', async () => {
    const wide = '# EVOLVE-BLOCK-START\ntolerance = 1e-8\niterations = 1000\n# EVOLVE-BLOCK-END\n';
    const wideProblem = problemOf({ 'w.py': wide }, ['w.py']);
    const operator = createNumericTuneOperator({ initialStep: 3 });
    const random = new Random(4);
    const parent = snapshot({ 'w.py': wide }, 0);
    const tolerances: number[] = [];
    const counts: number[] = [];
    for (let iteration = 0; iteration < 60; iteration += 1) {
      const proposal = await operator.propose({ problem: wideProblem, parent, inspirations: [], insights: [], random });
      const [tolerance, count] = scanNumericLiterals(proposal.files, ['w.py']).literals.map((literal) => literal.value) as [number, number];
      tolerances.push(tolerance);
      counts.push(count);
      // Larger counts score better: the distribution is pushed against its upper bound.
      operator.observe!({ parent, proposal, result: { ok: true, score: count, metrics: {}, artifacts: {}, failure: null, stages: 1, durationMs: 1 } });
    }
    expect(Math.min(...tolerances)).toBeGreaterThanOrEqual(1e-11 * 0.999);
    expect(Math.max(...tolerances)).toBeLessThanOrEqual(1e-5 * 1.001);
    // Orders of magnitude are explored, not just a few percent around the start.
    expect(Math.max(...tolerances) / Math.min(...tolerances)).toBeGreaterThan(100);
    expect(Math.max(...counts)).toBeLessThanOrEqual(100_000);
    expect(Math.max(...counts)).toBeGreaterThan(10_000);
    expect(counts.every(Number.isInteger)).toBe(true);
  });

  it('screens each literal first: a plain one by a factor of 2 either way, one written with an exponent by a decade', async () => {
    /** The values of `rate` in the first two children. */
    async function firstTwo(text: string): Promise<number[]> {
      const file = `# EVOLVE-BLOCK-START\nrate = ${text}\n# EVOLVE-BLOCK-END\n`;
      const operator = createNumericTuneOperator();
      const random = new Random(5);
      const values: number[] = [];
      for (let child = 0; child < 2; child += 1) {
        const proposal = await operator.propose({ problem: problemOf({ 'r.py': file }, ['r.py']), parent: snapshot({ 'r.py': file }, 0), inspirations: [], insights: [], random });
        values.push(scanNumericLiterals(proposal.files, ['r.py']).literals[0]!.value);
      }
      return values;
    }
    // `1e-5` names an order of magnitude, `0.00001` a value to adjust.
    const exponent = await firstTwo('1e-5');
    expect(exponent[0]).toBeCloseTo(1e-4, 12);
    expect(exponent[1]).toBeCloseTo(1e-6, 14);
    expect(await firstTwo('0.00001')).toEqual([0.00002, 0.000005]);
  });

  /** Runs the tuner one child at a time from `text`, scoring each child with `score`; returns every child's literal values. */
  async function sequence(text: string, score: (values: number[]) => number, children: number): Promise<number[][]> {
    const file = { 't.py': text };
    const sequenceProblem = problemOf(file, ['t.py']);
    const operator = createNumericTuneOperator();
    const random = new Random(3);
    const parent = snapshot(file, score(scanNumericLiterals(file, ['t.py']).literals.map((literal) => literal.value)));
    const seen: number[][] = [];
    for (let child = 0; child < children; child += 1) {
      const proposal = await operator.propose({ problem: sequenceProblem, parent, inspirations: [], insights: [], random });
      const values = scanNumericLiterals(proposal.files, ['t.py']).literals.map((literal) => literal.value);
      seen.push(values);
      operator.observe!({ parent, proposal, result: { ok: true, score: score(values), metrics: {}, artifacts: {}, failure: null, stages: 1, durationMs: 1 } });
    }
    return seen;
  }

  it('follows a probe that helps with doubling steps, so a count sixteen times too small is found by the fourth child', async () => {
    // Before screening, steps of about 25% from CMA-ES needed dozens of children to get there.
    const children = await sequence('# EVOLVE-BLOCK-START\nn = 10\n# EVOLVE-BLOCK-END\n', ([n]) => -Math.abs(Math.log(n! / 160)), 5);
    // Factors 2 and 1/2, then 4 and 16 while that helps; the next doubling (256) stops at the integer's bound (100x).
    expect(children.map(([n]) => n)).toEqual([20, 5, 40, 160, 1000]);
  });

  it('holds still, after screening, a literal whose probes never changed the score', async () => {
    const text = '# EVOLVE-BLOCK-START\nrate = 3.0\nunused = 7.0\nwidth = 2.5\n# EVOLVE-BLOCK-END\n';
    const children = await sequence(text, ([rate, , width]) => -((rate! - 1.2) ** 2) - (width! - 4) ** 2, 60);
    // The screening moves `unused` twice (up and down); nothing after it does.
    expect(children.filter(([, unused]) => unused !== 7).length).toBe(2);
    expect(children.slice(0, 6).filter(([, unused]) => unused !== 7).map(([, unused]) => unused)).toEqual([14, 3.5]);
  });

  it('never proposes the same literals twice, and restarts a converged distribution with a larger population', async () => {
    const small = '# EVOLVE-BLOCK-START\nwidth = 4\nheight = 6\n# EVOLVE-BLOCK-END\n';
    const smallProblem = problemOf({ 's.py': small }, ['s.py']);
    const operator = createNumericTuneOperator();
    const random = new Random(9);
    const parent = snapshot({ 's.py': small }, 0);
    const proposed = new Set<string>();
    for (let iteration = 0; iteration < 250; iteration += 1) {
      const proposal = await operator.propose({ problem: smallProblem, parent, inspirations: [], insights: [], random }).catch(() => undefined);
      if (proposal === undefined) break;
      const text = proposal.files['s.py']!;
      expect(proposed.has(text)).toBe(false);
      proposed.add(text);
      // A flat landscape: nothing ever improves, so the distribution must restart rather than stall.
      operator.observe!({ parent, proposal, result: { ok: true, score: 1, metrics: {}, artifacts: {}, failure: null, stages: 1, durationMs: 1 } });
    }
    expect(proposed.size).toBeGreaterThan(20);
    const state = operator.saveState!() as { distributions: { restart: { count: number; largeMultiplier: number } }[] };
    expect(state.distributions[0]!.restart.count).toBeGreaterThan(0);
    expect(state.distributions[0]!.restart.largeMultiplier).toBeGreaterThan(1);
  });
});
