import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSeeds } from '../../bench/evolve-quality.bench.ts';

// `npm run bench -- evolve-quality --only <part> --seeds 1,2,3`: the flags a suite declares are
// parsed strictly, so a typo is refused by name instead of silently running the whole 90-minute suite.
const repositoryRoot = join(import.meta.dirname, '..', '..');

function bench(...args: string[]) {
  return spawnSync(process.execPath, ['bench/run.ts', ...args], { cwd: repositoryRoot, encoding: 'utf8', timeout: 60_000 });
}

describe('bench flags', () => {
  it('refuses a flag no requested suite declares, naming it', () => {
    const ran = bench('evolve-quality', '--seed', '1');
    expect(ran.status).toBe(2);
    expect(ran.stderr).toMatch(/--seed/);
  });

  it('refuses an unknown part of evolve-quality before running anything', () => {
    const ran = bench('evolve-quality', '--only', 'circle-pack', '--seeds', '1');
    expect(ran.status).not.toBe(0);
    expect(ran.stderr).toMatch(/--only must be one of function-minimization, circle-packing, js-bin-packing, yield/);
    expect(ran.stdout).toBe('');
  });

  it('reads --seeds as positive integers and names the flag otherwise', () => {
    expect(parseSeeds('1,2, 3')).toEqual([1, 2, 3]);
    expect(() => parseSeeds('1,x')).toThrow(/--seeds must be positive integers/);
    expect(() => parseSeeds('0')).toThrow(/--seeds/);
  });
});
