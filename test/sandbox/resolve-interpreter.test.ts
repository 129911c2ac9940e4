import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluator } from '../../src/evolve/evaluate/create-evaluator.ts';
import { loadProblem } from '../../src/evolve/problem/load-problem.ts';
import { resolveInterpreter } from '../../src/sandbox/resolve-interpreter.ts';

/**
 * A version manager's shim on the PATH (pyenv's `python3` is a bash script that works out which
 * interpreter to start on every call) is asked once for the real interpreter, which every
 * evaluation then starts directly. The shim here logs each call, so the count is the evidence.
 */
let root: string;
let realPython: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lamarck-shim-'));
  // The machine's own python3, itself possibly behind a shim: what the fake shim will start.
  realPython = (await resolveInterpreter(['python3']))[0]!;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A `python3` shim in its own directory that logs every start, then runs the real interpreter. */
function shim(name: string, behaviour = `exec ${JSON.stringify(realPython)} "$@"`): { directory: string; log: string } {
  const directory = path.join(root, name);
  mkdirSync(directory, { recursive: true });
  const log = path.join(directory, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(path.join(directory, 'python3'), `#!/bin/sh\necho "$*" >> ${JSON.stringify(log)}\n${behaviour}\n`);
  chmodSync(path.join(directory, 'python3'), 0o755);
  return { directory, log };
}

function calls(log: string): string[] {
  return readFileSync(log, 'utf8').split('\n').filter((line) => line !== '');
}

describe('resolveInterpreter', () => {
  it('asks a shimmed python for its real executable once, and remembers the answer', async () => {
    const { directory, log } = shim('once');
    const env = { PATH: `${directory}:${process.env.PATH ?? ''}` };
    const first = await resolveInterpreter(['python3', 'evaluator.py'], { cwd: root, env });
    const second = await resolveInterpreter(['python3', 'other.py'], { cwd: root, env });
    expect(first).toEqual([realPython, 'evaluator.py']);
    expect(second).toEqual([realPython, 'other.py']);
    expect(calls(log)).toHaveLength(1);
  });

  it('keeps the command as given when the interpreter cannot answer, or is not one it asks', async () => {
    const { directory } = shim('broken', 'exit 3');
    const env = { PATH: `${directory}:${process.env.PATH ?? ''}` };
    expect(await resolveInterpreter(['python3', 'evaluator.py'], { cwd: root, env })).toEqual(['python3', 'evaluator.py']);
    expect(await resolveInterpreter(['node', 'evaluate.mjs'], { cwd: root, env })).toEqual(['node', 'evaluate.mjs']);
    expect(await resolveInterpreter(['pyhton3', 'evaluator.py'], { cwd: root, env })).toEqual(['pyhton3', 'evaluator.py']);
  });

  it('lets an evaluator pay the shim once per run, not once per evaluation', async () => {
    const { directory, log } = shim('evaluator');
    const problemDirectory = path.join(root, 'problem');
    mkdirSync(problemDirectory, { recursive: true });
    writeFileSync(path.join(problemDirectory, 'main.py'), '# EVOLVE-BLOCK-START\nX = 1\n# EVOLVE-BLOCK-END\n');
    writeFileSync(path.join(problemDirectory, 'evaluator.py'), 'import json, sys\nprint(json.dumps({"combined_score": 1.0, "metrics": {"python": sys.executable}}))\n');
    writeFileSync(path.join(problemDirectory, 'lamarck.json'), JSON.stringify({ program: 'main.py', evaluator: { command: ['python3', 'evaluator.py'] } }));
    const problem = await loadProblem(problemDirectory);
    const evaluator = createEvaluator(problem, { tempRoot: path.join(root, 'work'), env: { PATH: `${directory}:${process.env.PATH ?? ''}` } });
    for (let index = 0; index < 3; index += 1) {
      const result = await evaluator.evaluate(problem.files, {});
      expect(result).toMatchObject({ ok: true, score: 1, metrics: { python: realPython } });
    }
    // One call to ask, none for the three evaluations.
    expect(calls(log)).toEqual([expect.stringContaining('sys.executable')]);
  });
});
