import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * `.ci/under-load` is how CI reruns the timing-sensitive tests on a busy machine: it must pass on
 * the command's status and never leave its CPU hogs running, whatever the command did.
 */
const script = new URL('../../.ci/under-load', import.meta.url).pathname;

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('.ci/under-load', () => {
  it.for([0, 3])('runs the command beside two CPU hogs, exits with its status %i, and stops the hogs', (status) => {
    // The command sees the hogs busy while it runs.
    const result = spawnSync(script, ['sh', '-c', `ps -eo args | grep -c '^sh -c while :; do :; done' ; exit ${status}`], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status).toBe(status);
    expect(Number(result.stdout.trim())).toBeGreaterThanOrEqual(2);
    const pids = /CPU hogs (\d+) (\d+) running/.exec(result.stderr)!.slice(1).map(Number);
    expect(pids).toHaveLength(2);
    expect(pids.filter(isRunning)).toEqual([]);
  });
});

describe('.ci/run', () => {
  it('reruns the evaluator, sandbox and engine-failure tests beside the hogs after the full suite', () => {
    const ciRun = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    const fullSuite = ciRun.indexOf('npm test');
    // The loaded rerun: `.ci/under-load npx vitest run ...` and its continuation lines.
    const loaded = /^\.ci\/under-load npx vitest run(?:[^\n]*\\\n)*[^\n]*$/m.exec(ciRun);
    expect(fullSuite).toBeGreaterThan(-1);
    expect(loaded).not.toBeNull();
    expect(loaded!.index).toBeGreaterThan(fullSuite);
    for (const path of ['test/evolve/evaluate/', 'test/sandbox/', 'test/evolve/engine/failing-evaluations']) expect(loaded![0]).toContain(path);
  });
});
