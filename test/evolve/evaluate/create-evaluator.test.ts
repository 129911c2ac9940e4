import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluator } from '../../../src/evolve/evaluate/create-evaluator.ts';
import { loadProblem } from '../../../src/evolve/problem/load-problem.ts';
import type { Problem } from '../../../src/evolve/types.ts';

/**
 * The candidate program is a Python file whose block sets MODE; the evaluator (fixed) reads it and
 * misbehaves accordingly, so each failure kind is produced by a real child process.
 */
const evaluatorScript = `
import json, sys, time, os
path = sys.argv[1]
stage = sys.argv[2:]
source = open(path).read()
mode = source.split("MODE = '")[1].split("'")[0]
assert open("data.txt").read() == "payload"
if stage == ["--quick"]:
    print(json.dumps({"combined_score": 0.1 if mode == "weak" else 0.9, "metrics": {"quick": True}}))
    sys.exit(0)
if mode == "good":
    sys.stderr.write("warning: fine\\n")
    print("some log line")
    print(json.dumps({"combined_score": 2.5, "metrics": {"x": 1}, "artifacts": {"feedback": "ok"}}))
elif mode == "hang":
    time.sleep(60)
elif mode == "spin":
    while True:
        pass
elif mode == "missing":
    sys.stderr.write("python3: can't open file 'evaluater.py': [Errno 2] No such file or directory\\n")
    sys.exit(2)
elif mode == "exit":
    sys.stderr.write("Traceback (most recent call last):\\nValueError: boom\\n")
    sys.exit(3)
elif mode == "notjson":
    print("score: 3")
elif mode == "nan":
    print(json.dumps({"combined_score": float("nan")}))
elif mode == "inf":
    print(json.dumps({"combined_score": float("inf")}))
elif mode == "noscore":
    print(json.dumps({"metrics": {}}))
elif mode == "flood":
    sys.stdout.write("x" * 3000000)
elif mode == "memory":
    blocks = []
    while True:
        blocks.append(bytearray(50 * 1024 * 1024))
        time.sleep(0.02)
elif mode == "signal":
    os.kill(os.getpid(), 9)
elif mode == "flood100":
    chunk = "y" * (1024 * 1024)
    for _ in range(100):
        sys.stdout.write(chunk)
elif mode.startswith("fork"):
    # Leaves children that outlive this process and hold its output open; records their pids.
    pids = []
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        pids.append(pid)
    open(mode.split(":", 1)[1], "w").write(" ".join(str(pid) for pid in pids))
    print(json.dumps({"combined_score": 1.5}))
    sys.stdout.flush()
    if mode.startswith("forkhang"):
        while True:
            pass
elif mode == "weak":
    print(json.dumps({"combined_score": 1.0}))
`;

let root: string;
let tempRoot: string;

/** What the sandbox saw stop each misbehaving evaluator first. */
const expectedStop: Record<string, string> = {
  exit: 'exit',
  missing: 'exit',
  notjson: 'exit',
  nan: 'exit',
  inf: 'exit',
  noscore: 'exit',
  flood: 'output-limit',
  flood100: 'output-limit',
  memory: 'memory',
  signal: 'exit',
  hang: 'wall-time',
  spin: 'cpu-time',
};

function writeProblem(name: string, config: object, extra: Record<string, string> = {}): string {
  const directory = join(root, name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'lamarck.json'), JSON.stringify(config));
  writeFileSync(join(directory, 'main.py'), "# EVOLVE-BLOCK-START\nMODE = 'good'\n# EVOLVE-BLOCK-END\n");
  writeFileSync(join(directory, 'evaluator.py'), evaluatorScript);
  writeFileSync(join(directory, 'data.txt'), 'payload');
  for (const [path, content] of Object.entries(extra)) writeFileSync(join(directory, path), content);
  return directory;
}

/** A process that exists and is not a zombie (a killed orphan stays a zombie until init reaps it). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

function candidate(mode: string): Record<string, string> {
  return { 'main.py': `# EVOLVE-BLOCK-START\nMODE = '${mode}'\n# EVOLVE-BLOCK-END\n` };
}

/**
 * Limits are generous wherever the outcome should come from the evaluator's own behaviour: each
 * case ends on its evidence (an exit, the memory verdict, the output count) long before a limit
 * that only a stuck evaluation reaches, however busy the machine. Only the cases that are about
 * a limit get a small one, and only of the kind that does not depend on load: CPU time for
 * evaluations that compute forever, the wall clock for one that sleeps forever.
 */
let basic: Problem;
let sleepy: Problem;
let spinning: Problem;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lamarck-evaluator-test-'));
  tempRoot = join(root, 'work');
  const limits = { memoryLimitMb: 200, maxOutputBytes: 100000 };
  basic = await loadProblem(
    writeProblem('basic', {
      program: 'main.py',
      evaluator: { command: ['python3', 'evaluator.py'], timeoutSeconds: 30, wallTimeoutSeconds: 300, ...limits },
    }),
  );
  sleepy = await loadProblem(
    writeProblem('sleepy', {
      program: 'main.py',
      evaluator: { command: ['python3', 'evaluator.py'], timeoutSeconds: 30, wallTimeoutSeconds: 2, ...limits },
    }),
  );
  spinning = await loadProblem(
    writeProblem('spinning', {
      program: 'main.py',
      evaluator: { command: ['python3', 'evaluator.py'], timeoutSeconds: 1, wallTimeoutSeconds: 300, ...limits },
    }),
  );
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('createEvaluator with a command', () => {
  it('scores a good candidate, keeping metrics, artifacts and stderr, and removes its directory', async () => {
    const result = await createEvaluator(basic, { tempRoot }).evaluate(candidate('good'), {});
    expect(result).toMatchObject({ ok: true, score: 2.5, failure: null, stages: 1 });
    expect(result.metrics).toEqual({ x: 1, combined_score: 2.5 });
    expect(result.artifacts.feedback).toBe('ok');
    expect(result.artifacts.stderr).toContain('warning: fine');
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  // Concurrent, each in its own temporary root.
  it.concurrent.for([
    ['exit', 'exit-code', /exited with code 3: ValueError: boom/],
    ['missing', 'exit-code', /exited with code 2: python3: can't open file 'evaluater.py'/],
    ['notjson', 'invalid-output', /not a JSON object/],
    ['nan', 'non-finite-score', /combined_score is NaN/],
    ['inf', 'non-finite-score', /combined_score is Infinity/],
    ['noscore', 'invalid-output', /no "combined_score"/],
    ['flood', 'output-too-large', /over the 100000-byte limit/],
    ['flood100', 'output-too-large', /over the 100000-byte limit/],
    ['memory', 'memory', /memory/],
    ['signal', 'crash', /signal SIGKILL/],
    ['hang', 'timeout', /wall-clock limit/],
    ['spin', 'timeout', /CPU-time limit/],
  ] as const)('turns %s into a %s failure with an artifact saying why', async ([mode, kind, reason], { expect }) => {
    const tempRoot = join(root, `work-${mode}`);
    const problem = mode === 'hang' ? sleepy : mode === 'spin' ? spinning : basic;
    const result = await createEvaluator(problem, { tempRoot }).evaluate(candidate(mode), {});
    expect(result.ok).toBe(false);
    expect(result.score).toBeNull();
    expect(result.failure?.kind).toBe(kind);
    expect(result.failure?.message).toMatch(reason);
    expect(result.artifacts.failure_reason).toMatch(reason);
    // The evidence travels with the failure: the stage, how the process ended, what stopped it first.
    const evidence = result.failure?.evidence;
    expect(evidence).toMatchObject({ stage: 1, stages: 1 });
    if (mode === 'memory' && evidence?.stop === 'exit') {
      // The address-space backstop got there before a memory sample: the allocation failed inside the child.
      expect(evidence.stderrTail).toContain('MemoryError');
    } else {
      expect(evidence?.stop).toBe(expectedStop[mode]);
    }
    expect(evidence?.stopAtMs).toBeGreaterThanOrEqual(0);
    if (mode === 'exit') {
      expect(result.artifacts.stderr).toContain('ValueError: boom');
      expect(evidence).toMatchObject({ exitCode: 3, signal: null, stderrTail: 'Traceback (most recent call last):\nValueError: boom' });
    }
    if (mode === 'signal') expect(evidence).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    if (mode === 'notjson') expect(result.artifacts.offending_line).toBe('score: 3');
    // The flood is stopped at the cap, not drained: far less than its 100 MB went through the pipe.
    if (mode === 'flood100') expect(Number(/wrote (\d+) bytes/.exec(result.failure!.message)?.[1])).toBeLessThan(20 * 1024 * 1024);
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it.concurrent.for([
    ['fork', 'leaves children behind and exits'],
    ['forkhang', 'leaves children behind and hangs'],
  ] as const)('kills every process of the group when the evaluator %s (%s)', async ([mode], { expect }) => {
    const tempRoot = join(root, `work-${mode}`);
    const pidFile = join(root, `${mode}-pids.txt`);
    // The hanging one computes forever: its CPU-time limit ends it, after it wrote its children's pids.
    const result = await createEvaluator(mode === 'forkhang' ? spinning : basic, { tempRoot }).evaluate(candidate(`${mode}:${pidFile}`), {});
    if (mode === 'forkhang') expect(result.failure).toMatchObject({ kind: 'timeout', message: expect.stringMatching(/CPU-time limit/) });
    else expect(result).toMatchObject({ ok: true, score: 1.5 });
    const pids = readFileSync(pidFile, 'utf8').split(' ').map(Number);
    expect(pids).toHaveLength(5);
    // The group was killed; give the kernel a moment to reap before checking.
    for (let attempt = 0; attempt < 50 && pids.some(isAlive); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pids.filter(isAlive)).toEqual([]);
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it('removes workspaces that a killed run left behind, and keeps those of live processes', async () => {
    const sweptRoot = join(root, 'sweep');
    let deadPid = 4_194_000;
    while (isAlive(deadPid)) deadPid -= 1;
    const abandoned = join(sweptRoot, `lamarck-eval-${deadPid}-abc123`);
    const live = join(sweptRoot, `lamarck-eval-${process.ppid}-def456`);
    const unrelated = join(sweptRoot, 'lamarck-eval-other');
    for (const directory of [abandoned, live, unrelated]) {
      mkdirSync(directory, { recursive: true });
      writeFileSync(join(directory, 'program.py'), 'x = 1\n');
    }
    const result = await createEvaluator(basic, { tempRoot: sweptRoot }).evaluate(candidate('good'), {});
    expect(result.ok).toBe(true);
    expect(readdirSync(sweptRoot).sort()).toEqual([`lamarck-eval-${process.ppid}-def456`, 'lamarck-eval-other']);
  });

  it('runs cascade stages with their args and stops below the threshold, keeping that stage metrics', async () => {
    const problem = await loadProblem(
      writeProblem('cascade', {
        program: 'main.py',
        evaluator: { command: ['python3', 'evaluator.py'], timeoutSeconds: 5, cascade: [{ args: ['--quick'], threshold: 0.5 }] },
      }),
    );
    const evaluator = createEvaluator(problem, { tempRoot });
    const passed = await evaluator.evaluate(candidate('good'), {});
    expect(passed).toMatchObject({ ok: true, score: 2.5, stages: 2 });
    const rejected = await evaluator.evaluate(candidate('weak'), {});
    expect(rejected).toMatchObject({ ok: false, score: null, stages: 1, failure: { kind: 'cascade-rejected' } });
    expect(rejected.metrics).toEqual({ quick: true, combined_score: 0.1, cascade_stage: 1 });
    expect(rejected.failure?.message).toMatch(/stage 1 scored 0.1, below its threshold 0.5/);
  });

  it('negates the score of a minimize problem and keeps the raw value in metrics', async () => {
    const problem = await loadProblem(
      writeProblem('minimize', { program: 'main.py', objective: 'minimize', evaluator: { command: ['python3', 'evaluator.py'] } }),
    );
    const result = await createEvaluator(problem, { tempRoot }).evaluate(candidate('good'), {});
    expect(result.score).toBe(-2.5);
    expect(result.metrics.combined_score).toBe(2.5);
  });

  it('reports a command that cannot start as a crash', async () => {
    const problem = await loadProblem(
      writeProblem('missing-command', { program: 'main.py', evaluator: { command: ['lamarck-no-such-binary-x'] } }),
    );
    const result = await createEvaluator(problem, { tempRoot }).evaluate(candidate('good'), {});
    expect(result.failure?.kind).toBe('crash');
    expect(result.failure?.message).toMatch(/could not be started/);
  });

  it('rejects when aborted, and cleans up', async () => {
    const controller = new AbortController();
    const pending = createEvaluator(basic, { tempRoot }).evaluate(candidate('hang'), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop now')), 200);
    await expect(pending).rejects.toThrow('stop now');
    expect(readdirSync(tempRoot)).toEqual([]);
  });
});

describe('createEvaluator with a module and ${node}', () => {
  it('runs a TypeScript evaluate() module in a child process', async () => {
    const problem = await loadProblem(
      writeProblem(
        'module',
        { program: 'main.py', evaluator: { module: 'evaluate.ts', timeoutSeconds: 20 } },
        {
          'evaluate.ts': `import { readFileSync } from 'node:fs';
export function evaluate(programPath: string, options: { args: string[] }): unknown {
  const mode = readFileSync(programPath, 'utf8').split("MODE = '")[1]!.split("'")[0];
  if (mode === 'nan') return { combined_score: Number.NaN };
  if (mode === 'throw') throw new Error('evaluator failed on purpose');
  return { combined_score: mode === 'good' ? 7 : 1, metrics: { args: options.args.length } };
}
`,
        },
      ),
    );
    const evaluator = createEvaluator(problem, { tempRoot });
    expect(await evaluator.evaluate(candidate('good'), {})).toMatchObject({ ok: true, score: 7, metrics: { args: 0 } });
    expect((await evaluator.evaluate(candidate('nan'), {})).failure?.kind).toBe('non-finite-score');
    const thrown = await evaluator.evaluate(candidate('throw'), {});
    expect(thrown.failure?.kind).toBe('exit-code');
    expect(thrown.artifacts.stderr).toContain('evaluator failed on purpose');
  });

  it('replaces ${node} with the running Node', async () => {
    const problem = await loadProblem(
      writeProblem(
        'node-command',
        { program: 'main.py', evaluator: { command: ['${node}', 'evaluate.mjs'] } },
        { 'evaluate.mjs': "console.log(JSON.stringify({ combined_score: Number(process.versions.node.split('.')[0]) }));\n" },
      ),
    );
    const result = await createEvaluator(problem, { tempRoot }).evaluate(candidate('good'), {});
    expect(result.score).toBe(Number(process.versions.node.split('.')[0]));
    expect(existsSync(tempRoot)).toBe(true);
  });
});
