import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';

/**
 * The three mistakes a newcomer makes first, through the CLI: a misspelled evaluator, an initial
 * program with a syntax error, a misspelled interpreter. Each run stops at once with exit code 1,
 * and the cause (the evaluator's own stderr, its real exit code, the spawn error) is on the
 * screen: in the one-line stop message, the summary, `lineage`, `best` and `--json`.
 */
const root = mkdtempSync(join(tmpdir(), 'lamarck-failure-evidence-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const evaluator = [
  'import importlib.util, json, sys',
  'spec = importlib.util.spec_from_file_location("candidate", sys.argv[1])',
  'module = importlib.util.module_from_spec(spec)',
  'spec.loader.exec_module(module)',
  'print(json.dumps({"combined_score": module.value()}))',
].join('\n');

function problem(name: string, options: { command: string[]; program?: string }): string {
  const directory = join(root, name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'evaluator.py'), `${evaluator}\n`);
  writeFileSync(join(directory, 'program.py'), options.program ?? '# EVOLVE-BLOCK-START\ndef value():\n    return 1.5\n# EVOLVE-BLOCK-END\n');
  writeFileSync(join(directory, 'lamarck.json'), JSON.stringify({ program: 'program.py', evaluator: { command: options.command, timeoutSeconds: 30 } }));
  return directory;
}

async function lamarck(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) => ({ write: (chunk: string | Uint8Array) => (append(chunk.toString()), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(args, { cwd, env: { ...process.env }, streams: { stdout: sink((text) => (stdout += text)), stderr: sink((text) => (stderr += text)) } });
  return { code, stdout, stderr };
}

interface JsonSummary {
  runId: string;
  status: string;
  message: string;
  failures: Record<string, { count: number; latest: string }>;
  rejections: Record<string, { count: number; latest: string }>;
}

describe('a run whose initial program fails shows why', () => {
  it('quotes python\'s "can\'t open file" for a misspelled evaluator, with its real exit code, everywhere', async () => {
    const directory = problem('misspelled', { command: ['python3', 'evaluater.py'] });
    const text = await lamarck(['evolve', directory, '--iterations', '3'], directory);
    expect(text.code).toBe(1);
    const cause = /the evaluator exited with code 2: .*can't open file .*evaluater\.py.*No such file or directory/;
    // The one-line stop message carries the cause.
    expect(text.stdout).toMatch(new RegExp(`failed \\(no-candidates\\) — the initial program failed its evaluation \\(exit-code: ${cause.source}\\)`));
    // The summary counts the kind and quotes its latest message; no "exit-code 1" that reads like an exit code.
    expect(text.stdout).toMatch(new RegExp(`^  exit-code: 1 failure \\(latest: ${cause.source}\\)$`, 'm'));
    expect(text.stdout).not.toMatch(/exit-code 1\b/);

    const json = await lamarck(['evolve', directory, '--iterations', '3', '--json'], directory);
    expect(json.code).toBe(1);
    const summary = JSON.parse(json.stdout) as JsonSummary;
    expect(summary.failures['exit-code']?.count).toBe(1);
    expect(summary.failures['exit-code']?.latest).toMatch(cause);
    expect(summary.rejections).toEqual({});

    const best = await lamarck(['best', summary.runId], directory);
    expect(best.code).toBe(1);
    expect(best.stdout).toContain('failed: exit-code');
    expect(best.stdout).toMatch(cause);
    expect(best.stdout).toContain('exit code 2');
    expect(best.stdout).toMatch(/\| .*can't open file/);

    const bestJson = JSON.parse((await lamarck(['best', summary.runId, '--json'], directory)).stdout) as {
      id: string;
      failure: { kind: string; evidence: { exitCode: number; signal: string | null; stage: number; stop: string; stderrTail: string } };
    };
    expect(bestJson.failure).toMatchObject({ kind: 'exit-code', evidence: { exitCode: 2, signal: null, stage: 1, stop: 'exit' } });
    expect(bestJson.failure.evidence.stderrTail).toMatch(/can't open file .*evaluater\.py/);

    const lineage = await lamarck(['lineage', bestJson.id], directory);
    expect(lineage.code).toBe(0);
    expect(lineage.stdout).toContain('failed: exit-code');
    expect(lineage.stdout).toMatch(cause);
    expect(lineage.stdout).toMatch(/exit code 2 · first stop: exit after \d+\.\d s/);
    const lineageJson = JSON.parse((await lamarck(['lineage', bestJson.id, '--json'], directory)).stdout) as { failure: { evidence: { stderrTail: string } } }[];
    expect(lineageJson[0]!.failure.evidence.stderrTail).toMatch(/can't open file/);
  });

  it('quotes the SyntaxError of an initial program that does not parse', async () => {
    const directory = problem('syntax', { command: ['python3', 'evaluator.py'], program: '# EVOLVE-BLOCK-START\ndef value(:\n    return 1.5\n# EVOLVE-BLOCK-END\n' });
    const result = await lamarck(['evolve', directory, '--iterations', '3'], directory);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/the initial program failed its evaluation \(exit-code: the evaluator exited with code 1: SyntaxError: /);
    const run = JSON.parse((await lamarck(['runs', '--json'], directory)).stdout) as { id: string }[];
    const best = await lamarck(['best', run[0]!.id], directory);
    // The traceback's end, with the file and line, is in the evidence shown under the failure.
    expect(best.stdout).toMatch(/\| .*program\.py", line 2/);
    expect(best.stdout).toMatch(/\| SyntaxError: /);
  });

  it('says that a misspelled interpreter could not be started', async () => {
    const directory = problem('interpreter', { command: ['pyhton3', 'evaluator.py'] });
    const result = await lamarck(['evolve', directory, '--iterations', '3'], directory);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/the initial program failed its evaluation \(crash: the evaluator could not be started: spawn pyhton3 ENOENT\)/);
    expect(result.stdout).toMatch(/^ {2}crash: 1 failure \(latest: the evaluator could not be started: spawn pyhton3 ENOENT\)$/m);
  });
});
