import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { openStore } from '../../../src/store/open-store.ts';

/**
 * The evolve CLI end to end, in child processes: a run is killed with SIGKILL mid-run, resumed
 * with --resume, and the evaluator's own log (one line per evaluation, with the program's hash)
 * proves that no stored program was evaluated again after it was stored and that none was lost.
 */
const cli = new URL('./run-cli.ts', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'lamarck-evolve-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeProblem(name: string, evaluatorDelaySeconds: number): { directory: string; log: string } {
  const directory = join(root, name);
  mkdirSync(directory, { recursive: true });
  const log = join(directory, 'evaluations.log');
  writeFileSync(join(directory, 'program.py'), '# EVOLVE-BLOCK-START\nx = 10.0\ny = -4.0\n# EVOLVE-BLOCK-END\nprint(x, y)\n');
  writeFileSync(
    join(directory, 'evaluator.py'),
    [
      'import hashlib, json, re, sys, time',
      'log_path, program_path = sys.argv[1], sys.argv[2]',
      'text = open(program_path).read()',
      `time.sleep(${evaluatorDelaySeconds})`,
      'x = float(re.search(r"x = (-?[0-9.e+-]+)", text).group(1))',
      'y = float(re.search(r"y = (-?[0-9.e+-]+)", text).group(1))',
      'with open(log_path, "a") as log:',
      '    log.write(hashlib.sha256(text.encode()).hexdigest() + "\\n")',
      'print(json.dumps({"combined_score": -((x - 3) ** 2) - (y - 1) ** 2, "metrics": {"x": x, "y": y}}))',
    ].join('\n'),
  );
  writeFileSync(
    join(directory, 'lamarck.json'),
    JSON.stringify({
      name,
      program: 'program.py',
      evaluator: { command: ['python3', join(directory, 'evaluator.py'), log], timeoutSeconds: 30 },
      settings: { islands: 2, checkpointEvery: 3, concurrency: { evaluations: 2, window: 4 } },
    }),
  );
  return { directory, log };
}

function runCli(args: string[], cwd: string, onStdout?: (text: string) => void) {
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

/** The CLI in this process (fast): everything except the run that must be killed. */
async function runMain(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) => ({ write: (chunk: string | Uint8Array) => (append(chunk.toString()), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(args, { cwd, env: { ...process.env }, streams: { stdout: sink((text) => (stdout += text)), stderr: sink((text) => (stderr += text)) } });
  return { code, stdout, stderr };
}

function logLines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((line) => line.length > 0) : [];
}

describe('lamarck evolve (CLI)', () => {
  it('survives kill -9 mid-run: resume loses no evaluated program and evaluates no stored one again', async () => {
    const { directory, log } = makeProblem('crash', 0.02);
    const first = runCli(['evolve', directory, '--iterations', '24', '--seed', '3', '--json'], directory);
    // Kill once a dozen evaluations have been logged.
    for (let waited = 0; logLines(log).length < 8 && waited < 60_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');

    // The killed process's lease names a pid that no longer exists: the run is shown as interrupted,
    // while the stored status stays what the process last wrote.
    const listed = await runMain(['runs', '--json'], directory);
    const runs = JSON.parse(listed.stdout) as { id: string; status: string; storedStatus: string; kind: string; lease?: { pid: number } }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'interrupted', storedStatus: 'running', lease: { pid: first.child.pid } });
    const runId = runs[0]!.id;
    const listedText = await runMain(['runs'], directory);
    expect(listedText.stdout).toMatch(new RegExp(`${runId}\\s+evolve\\s+interrupted`));
    expect(listedText.stdout).toContain('lamarck evolve --resume <run>');

    const resumed = await runMain(['evolve', '--resume', runId, '--json'], directory);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as { runId: string; iterations: number; bestScore: number; evaluations: number; failures: Record<string, { count: number; latest: string | null }>; repaired: number; costUsd: number };
    expect(summary.runId).toBe(runId);
    // Model-free: nothing can be repaired, and the summary says so rather than leaving the field out.
    expect(summary.repaired).toBe(0);
    expect(summary.iterations).toBe(24);
    expect(summary.costUsd).toBe(0);
    // The yield spans both processes: the resumed one rebuilt the killed one's counts from the store.
    const yields = (JSON.parse(resumed.stdout) as { operators: Record<string, { proposed: number }> }).operators;
    expect(yields['numeric-tune']!.proposed).toBe(24);
    // Give evaluator processes orphaned by the kill time to finish writing their line.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const store = await openStore({ cwd: directory });
    try {
      const programs = await store.listPrograms(runId);
      expect(programs).toHaveLength(25);
      const evaluated = programs.filter((program) => program.failure === null || !['novelty-rejected', 'apply-failed', 'not-applicable'].includes(program.failure.kind));
      expect(summary.evaluations).toBe(evaluated.length);
      const lines = logLines(log);
      const counts = new Map<string, number>();
      for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
      const storedHashes = new Set(evaluated.map((program) => createHash('sha256').update(program.files['program.py']!).digest('hex')));
      for (const hash of storedHashes) {
        // Every stored program was evaluated, once; twice only if the kill came between its evaluation and its record.
        expect(counts.get(hash)).toBeGreaterThanOrEqual(1);
        expect(counts.get(hash)).toBeLessThanOrEqual(2);
      }
      // Seeded, the resumed run evaluates again exactly what the killed one had proposed and not yet
      // stored (the same candidates, see resume-determinism.test.ts): no evaluation went to a program
      // the run did not keep, and those done twice are at most the window's (4).
      expect([...counts.keys()].filter((hash) => !storedHashes.has(hash))).toEqual([]);
      expect(lines.length - evaluated.length).toBeGreaterThanOrEqual(0);
      expect(lines.length - evaluated.length).toBeLessThanOrEqual(4);
      expect((await store.getRun(runId))?.status).toBe('finished');
      // The model-free notice was given once, by the killed process; the resumed one did not repeat it.
      const notices = (await store.listEvents(runId)).filter((event) => event.type === 'notice');
      expect(notices.map((event) => event.data['message'])).toEqual([expect.stringContaining('no model configured')]);
    } finally {
      await store.close();
    }

    const best = await runMain(['best', runId, '--code'], directory);
    expect(best.code).toBe(0);
    expect(best.stdout).toContain('EVOLVE-BLOCK-START');
    // stdout is the code alone, so `best --code > x.py` runs; the header goes to stderr.
    expect(best.stderr).toContain(`score ${summary.bestScore}`);
    expect(best.stdout).not.toContain('score');
    const written = join(directory, 'best-written.py');
    writeFileSync(written, best.stdout);
    const ran = spawnSync('/usr/bin/python3', ['-c', `import ast,sys; ast.parse(open(sys.argv[1]).read())`, written], { encoding: 'utf8' });
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    const bestJson = JSON.parse((await runMain(['best', runId, '--json'], directory)).stdout) as { id: string };
    const lineage = await runMain(['lineage', bestJson.id, '--json'], directory);
    const chain = JSON.parse(lineage.stdout) as { id: string; operator: string; parentId: string | null; score: number }[];
    expect(chain[0]!.operator).toBe('initial');
    expect(chain[0]!.parentId).toBeNull();
    expect(chain.at(-1)!.id).toBe(bestJson.id);
    for (let index = 1; index < chain.length; index += 1) expect(chain[index]!.parentId).toBe(chain[index - 1]!.id);
    const text = await runMain(['lineage', bestJson.id], directory);
    expect(text.stdout).toContain('numeric-tune');
  }, 120_000);

  it('rejects a run without a problem and prints a plain summary otherwise', async () => {
    const { directory } = makeProblem('plain', 0);
    const missing = await runMain(['evolve'], directory);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('give a problem directory');
    const plain = await runMain(['evolve', directory, '--iterations', '3', '--seed', '1'], directory);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('no model configured');
    expect(plain.stdout).toMatch(/3 iterations, \d+ evaluations/);
    // The yield of each operator, with rejections apart from failures.
    expect(plain.stdout).toMatch(/^yield by operator:\n {2}numeric-tune: 3 proposed, \d evaluated, \d improved/m);
    const runs = await runMain(['runs'], directory);
    expect(runs.stdout).toContain('evolve');
    expect(runs.stdout).toContain('finished');
  }, 60_000);

  it('reports the Pareto front of a run with objectives, in text and in --json, beside the best combined score', async () => {
    const { directory } = makeProblem('front', 0);
    const config = JSON.parse(readFileSync(join(directory, 'lamarck.json'), 'utf8')) as { settings: Record<string, unknown> };
    config.settings = { ...config.settings, objectives: { x: 'maximize', y: 'minimize' } };
    writeFileSync(join(directory, 'lamarck.json'), JSON.stringify(config));
    const json = await runMain(['evolve', directory, '--iterations', '4', '--seed', '2', '--json'], directory);
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout) as { bestScore: number; front: { objectives: unknown; members: Array<{ programId: string; score: number; objectives: { x: number; y: number } }> } };
    expect(summary.front.objectives).toEqual([
      { metric: 'x', goal: 'maximize' },
      { metric: 'y', goal: 'minimize' },
    ]);
    expect(summary.front.members.length).toBeGreaterThan(0);
    // No member is beaten by another on both objectives.
    for (const member of summary.front.members) {
      const beaten = summary.front.members.some((other) => other.objectives.x >= member.objectives.x && other.objectives.y <= member.objectives.y && other !== member && (other.objectives.x > member.objectives.x || other.objectives.y < member.objectives.y));
      expect(beaten).toBe(false);
    }
    const text = await runMain(['evolve', directory, '--iterations', '2', '--seed', '2'], directory);
    expect(text.stdout).toMatch(/^pareto front \(x maximize, y minimize\): \d+ programs?$/m);
    expect(text.stdout).toMatch(/^ {2}prg_\S+: x -?[\d.]+, y -?[\d.]+ \(score -?[\d.]+\)$/m);
  }, 60_000);

  it('shows the best program of a run resumed and still running, not the one its old summary names', async () => {
    const directory = join(root, 'best-running');
    mkdirSync(directory, { recursive: true });
    const store = await openStore({ cwd: directory });
    try {
      const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
      const base = {
        runId: run.id, inspirationIds: [], island: 0, generation: 0, operator: 'initial', diff: '', status: 'evaluated' as const, metrics: {}, features: {},
        artifacts: {}, failure: null, model: null, prompt: null, reply: null, tokensIn: 0, tokensOut: 0, costUsd: 0, timing: { proposeMs: 0, evaluateMs: 0 }, createdAt: 1,
      };
      await store.putProgram({ ...base, id: 'prg_old', parentId: null, files: { 'a.py': 'old' }, score: 1 });
      // The first session ended and named its best; the run was resumed (running again) and found better.
      await store.updateRun(run.id, { status: 'finished', summary: { bestProgramId: 'prg_old', bestScore: 1 } });
      await store.updateRun(run.id, { status: 'running' });
      await store.putProgram({ ...base, id: 'prg_new', parentId: 'prg_old', generation: 1, operator: 'numeric-tune', files: { 'a.py': 'new' }, score: 5 });
      await store.putProgram({ ...base, id: 'prg_bad', parentId: 'prg_old', generation: 1, status: 'failed', score: null, failure: { kind: 'timeout', message: 't' }, files: { 'a.py': 'bad' } });
      const best = await runMain(['best', run.id, '--code'], directory);
      expect(best.stderr).toContain('program prg_new  score 5');
      expect(best.stdout).toBe('new\n');
      expect(best.stdout).toContain('new');
      const json = JSON.parse((await runMain(['best', run.id, '--json'], directory)).stdout) as Record<string, unknown>;
      expect(json['id']).toBe('prg_new');
      expect(Object.keys(json)).not.toContain('fingerprint');
    } finally {
      await store.close();
    }
  });
});
