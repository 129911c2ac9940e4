import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import { resolveInterpreter } from '../../../src/sandbox/resolve-interpreter.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';

/**
 * The model-free tuner on optimisers it has never seen, written in several styles, whose quality
 * depends on their constants (a learning rate of 1e-5, a step of 0.001, budgets of 30-60, a
 * starting layout): Python with the standard library, Python with numpy (skipped, and said so, when
 * this machine's python3 has no numpy), and JavaScript. Each run is seeded with one evaluation slot,
 * so it is reproducible; each must cut the loss the initial constants reach at least in half, and
 * leave every line outside the EVOLVE-BLOCK as it was.
 */
const fixtures = new URL('../fixtures/optimisers/', import.meta.url);

const python = (await resolveInterpreter(['python3']))[0]!;
const hasNumpy = spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) console.warn(`tuner-optimisers: skipping the numpy optimiser: ${python} cannot import numpy`);

/** The file's lines outside its EVOLVE-BLOCK. */
function outsideBlock(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.includes('EVOLVE-BLOCK-START'));
  const end = lines.findIndex((line) => line.includes('EVOLVE-BLOCK-END'));
  return [...lines.slice(0, start + 1), ...lines.slice(end)];
}

async function tune(name: string, program: string, iterations: number): Promise<void> {
  const directory = new URL(`${name}/`, fixtures).pathname;
  const store = createMemoryStore();
  try {
    const handle = evolve({ problem: directory, store, iterations, seed: 1, concurrency: { evaluations: 1 } });
    const summary = await handle.result;
    expect(summary.status).toBe('finished');
    const programs = await store.listPrograms(summary.runId);
    expect(programs.slice(1).every((record) => record.operator === 'numeric-tune')).toBe(true);
    const initialLoss = -summary.initialScore!;
    const bestLoss = -summary.bestScore!;
    expect(bestLoss, `${name}: loss ${initialLoss} -> ${bestLoss}`).toBeLessThan(initialLoss / 2);
    const best = programs.find((record) => record.id === summary.bestProgramId)!;
    const initial = readFileSync(new URL(program, new URL(`${name}/`, fixtures)), 'utf8');
    expect(best.files[program]).not.toBe(initial);
    expect(outsideBlock(best.files[program]!)).toEqual(outsideBlock(initial));
  } finally {
    await store.close();
  }
}

describe('the numeric tuner improves optimisers it has never seen', () => {
  // Its learning rate is 2-3 decades too small: with the exponent-notation literal searched in
  // 25% steps, 60 evaluations left the loss at 14.8 of 14.9; in half-decade steps it reaches 0.6.
  it('Python, standard library: gradient descent with momentum, its learning rate decades off', () => tune('python-momentum', 'optimiser.py', 60), 240_000);
  it.skipIf(!hasNumpy)('Python with numpy: a (1+1) evolution strategy', () => tune('python-numpy-search', 'optimiser.py', 30), 180_000);
  it('JavaScript: compass search from a fixed starting layout', () => tune('js-pattern-search', 'optimiser.mjs', 30), 180_000);
});
