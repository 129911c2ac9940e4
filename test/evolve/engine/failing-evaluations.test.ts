import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEvaluator } from '../../../src/evolve/evaluate/create-evaluator.ts';
import { evolve } from '../../../src/evolve/evolve.ts';
import { loadProblem } from '../../../src/evolve/problem/load-problem.ts';
import type { Operator, CandidateProposal } from '../../../src/evolve/types.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';

/**
 * The engine against a real sandboxed evaluator that misbehaves in every way the issue lists:
 * each misbehaviour is one recorded failure of its kind, and the run ends normally. The hanging
 * ones compute forever, so their CPU-time limit (which a busy machine does not shorten) ends
 * them; the wall clock is generous, and every other case ends on its own evidence. The memory
 * limit is reached with a quarter of the CPU time (page faults cost CPU: about 0.5 s per 100 MB
 * on a small VM), so the blow-up meets its memory limit first.
 */
const evaluatorScript = `
import json, os, sys, time
mode = open(sys.argv[1]).read().split("MODE = '")[1].split("'")[0]
if mode == "good":
    print(json.dumps({"combined_score": 1.0}))
elif mode == "hang":
    while True:
        pass
elif mode == "fork":
    for _ in range(4):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    while True:
        pass
elif mode == "memory":
    blocks = []
    while True:
        blocks.append(bytearray(50 * 1024 * 1024))
        time.sleep(0.02)
elif mode == "flood":
    chunk = "y" * (1024 * 1024)
    for _ in range(100):
        sys.stdout.write(chunk)
elif mode == "exit":
    sys.stderr.write("bad input: no MODE line\\n")
    sys.exit(2)
elif mode == "nan":
    print('{"combined_score": NaN}')
elif mode == "inf":
    print('{"combined_score": Infinity}')
elif mode == "notjson":
    print("done")
`;

const modes: [string, string][] = [
  ['hang', 'timeout'],
  ['fork', 'timeout'],
  ['memory', 'memory'],
  ['flood', 'output-too-large'],
  ['exit', 'exit-code'],
  ['nan', 'non-finite-score'],
  ['inf', 'non-finite-score'],
  ['notjson', 'invalid-output'],
];

const root = mkdtempSync(join(tmpdir(), 'lamarck-failing-evaluations-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function program(mode: string): string {
  return `# EVOLVE-BLOCK-START\nMODE = '${mode}'\n# EVOLVE-BLOCK-END\n`;
}

/** Proposes each misbehaving mode once, in order. */
function modeOperator(): Operator {
  let next = 0;
  return {
    specificationVersion: 'v1',
    name: 'modes',
    needsModel: false,
    async propose(context): Promise<CandidateProposal> {
      const mode = modes[next % modes.length]![0];
      next += 1;
      return { files: { ...context.parent.files, 'main.py': program(mode) }, diff: mode, operator: 'modes', model: null, prompt: null, reply: null, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } };
    },
  };
}

describe('evolve against an evaluator that fails in every way', () => {
  it('records each failure with its kind and a reason, kills every process, and finishes', async () => {
    const directory = join(root, 'problem');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'main.py'), program('good'));
    writeFileSync(join(directory, 'evaluator.py'), evaluatorScript);
    writeFileSync(
      join(directory, 'lamarck.json'),
      JSON.stringify({
        program: 'main.py',
        evaluator: { command: ['python3', 'evaluator.py'], timeoutSeconds: 2, wallTimeoutSeconds: 300, memoryLimitMb: 100, maxOutputBytes: 100_000 },
        settings: { islands: 1, repair: false, novelty: { exemptOperators: ['modes'] } },
      }),
    );
    const problem = await loadProblem(directory);
    const tempRoot = join(root, 'work');
    const store = createMemoryStore();
    try {
      const handle = evolve({
        problem,
        store,
        evaluator: createEvaluator(problem, { tempRoot }),
        operators: [modeOperator()],
        iterations: modes.length,
        seed: 1,
        concurrency: { evaluations: 4, proposals: 2 },
      });
      const summary = await handle.result;
      expect(summary.status).toBe('finished');
      expect(summary.iterations).toBe(modes.length);
      expect(summary.bestScore).toBe(1);
      const expected: Record<string, number> = {};
      for (const [, kind] of modes) expected[kind] = (expected[kind] ?? 0) + 1;
      expect(summary.failures).toEqual(expected);
      const programs = await store.listPrograms(await handle.runId);
      const failed = programs.filter((item) => item.status === 'failed');
      expect(failed).toHaveLength(modes.length);
      for (const record of failed) {
        expect(typeof record.artifacts['failure_reason']).toBe('string');
        expect(record.failure?.message.length).toBeGreaterThan(0);
        // Each failure keeps its evidence in the store: the stage and how the process ended.
        expect(record.failure?.evidence).toMatchObject({ stage: 1, stages: 1 });
        expect(record.failure?.evidence?.stop).not.toBeNull();
      }
      const exited = failed.find((record) => record.failure?.kind === 'exit-code');
      expect(exited?.failure).toMatchObject({ message: 'the evaluator exited with code 2: bad input: no MODE line', evidence: { exitCode: 2, stderrTail: 'bad input: no MODE line' } });
      expect(readdirSync(tempRoot)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
