import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Helpers for the external-worker tests: a small problem, the CLI in child processes, and polling on recorded state. */
const cli = new URL('../cli/run-cli.ts', import.meta.url).pathname;

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startCli(args: string[], cwd: string, env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, output: () => stdout + stderr, exited };
}

/** Polls `probe` until it gives a value; generous, since a busy machine is slow, not wrong. */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A problem whose evaluator takes `delaySeconds`, then appends the sha256 of the candidate to a log
 * (one line per evaluation that ran to its end) and scores x and y. A candidate holding the word
 * POISON makes the evaluator kill the nearest `lamarck worker` process above it with SIGKILL,
 * as hostile code could: the worker dies every time it takes that job.
 */
export function makeWorkerProblem(root: string, name: string, delaySeconds: number): { directory: string; log: string } {
  const directory = join(root, name);
  mkdirSync(directory, { recursive: true });
  const log = join(directory, 'evaluations.log');
  writeFileSync(join(directory, 'program.py'), '# EVOLVE-BLOCK-START\nx = 10.0\ny = -4.0\n# EVOLVE-BLOCK-END\nprint(x, y)\n');
  writeFileSync(
    join(directory, 'evaluator.py'),
    [
      'import hashlib, json, os, re, signal, sys, time',
      'log_path, program_path = sys.argv[1], sys.argv[2]',
      'text = open(program_path).read()',
      'if "POISON" in text:',
      '    pid = os.getppid()',
      '    while pid > 1:',
      '        try:',
      '            args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")',
      '            ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])',
      '        except OSError:',
      '            break',
      '        if b"worker" in args and any(arg.endswith(b"run-cli.ts") for arg in args):',
      '            os.kill(pid, signal.SIGKILL)',
      '            break',
      '        pid = ppid',
      '    sys.exit(3)',
      `time.sleep(${delaySeconds})`,
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
      evaluator: { command: ['python3', 'evaluator.py', log], timeoutSeconds: 30 },
      settings: { islands: 2, checkpointEvery: 1 },
    }),
  );
  return { directory, log };
}

export function logLines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((line) => line.length > 0) : [];
}
