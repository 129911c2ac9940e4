import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/cli/commands/doctor.ts';
import { main } from '../../src/cli/main.ts';
import { lamarck, writeTinyProblem } from '../serve/support/demo-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres/test-database.ts';

/**
 * Every command takes `--store <url>` (or LAMARCK_STORE, or `store` in lamarck.config.json), and a
 * PostgreSQL URL works the same as a SQLite path: a model-free evolve run, `runs`, `doctor` and
 * `serve` on the run's throwaway server. The password never appears in anything they print.
 */
let database: TestDatabase;
let cwd: string;
let problem: string;
let url: string;
let runId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  url = `${database.url}?schema=cli`;
  cwd = mkdtempSync(join(tmpdir(), 'lamarck-cli-pg-'));
  problem = writeTinyProblem(join(cwd, 'tiny-problem'));
  const evolve = await lamarck(cwd, '--json', 'evolve', problem, '--iterations', '6', '--seed', '1', '--store', url);
  expect(evolve.stderr).not.toContain(database.password);
  expect(evolve.code, evolve.stderr).toBe(0);
  expect(evolve.stdout).not.toContain(database.password);
  runId = (JSON.parse(evolve.stdout) as { runId: string }).runId;
}, 240_000);

afterAll(async () => {
  rmSync(cwd, { recursive: true, force: true });
  await database?.drop();
});

async function lamarckWithEnvironment(directory: string, env: NodeJS.ProcessEnv, ...argv: string[]): Promise<string> {
  let stdout = '';
  const streams = {
    stdout: { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: () => true } as unknown as NodeJS.WritableStream,
  };
  expect(await main(argv, { cwd: directory, env, streams })).toBe(0);
  return stdout;
}

describe('--store postgres://', () => {
  it('evolve wrote its run to PostgreSQL, and runs reads it from there, not from a SQLite file', async () => {
    const runs = await lamarck(cwd, '--json', 'runs', '--store', url);
    expect(runs.code, runs.stderr).toBe(0);
    expect((JSON.parse(runs.stdout) as { id: string }[]).map((run) => run.id)).toEqual([runId]);
    // Without --store, runs looks for the SQLite file, which evolve never created.
    const local = await lamarck(cwd, '--json', 'runs');
    expect(local.code).toBe(1);
    expect(existsSync(join(cwd, '.lamarck', 'lamarck.db'))).toBe(false);
  });

  it('is read from LAMARCK_STORE and from store in lamarck.config.json too', async () => {
    const viaConfig = mkdtempSync(join(tmpdir(), 'lamarck-cli-pg-config-'));
    try {
      const viaEnvironment = await lamarckWithEnvironment(viaConfig, { LAMARCK_STORE: url }, '--json', 'runs');
      expect((JSON.parse(viaEnvironment) as { id: string }[]).map((run) => run.id)).toEqual([runId]);
      writeFileSync(join(viaConfig, 'lamarck.config.json'), JSON.stringify({ store: url }));
      const runs = await lamarck(viaConfig, '--json', 'runs');
      expect((JSON.parse(runs.stdout) as { id: string }[]).map((run) => run.id)).toEqual([runId]);
      writeFileSync(join(viaConfig, 'lamarck.config.json'), JSON.stringify({ store: { url, poolSize: 2 } }));
      const again = await lamarck(viaConfig, '--json', 'runs');
      expect((JSON.parse(again.stdout) as { id: string }[]).map((run) => run.id)).toEqual([runId]);
    } finally {
      rmSync(viaConfig, { recursive: true, force: true });
    }
  });

  it('doctor says which store is in use and that its migrations are applied, without the password', async () => {
    const result = await lamarck(cwd, '--json', 'doctor', '--no-probe', '--store', url);
    expect(`${result.stdout}${result.stderr}`).not.toContain(database.password);
    const report = JSON.parse(result.stdout) as DoctorReport;
    const store = report.checks.find((check) => check.name === 'store');
    expect(store?.status).toBe('ok');
    expect(store?.detail).toContain(`postgres://postgres:***@127.0.0.1:`);
    expect(store?.detail).toMatch(/\(schema version \d+, migrations up to date\)$/);
    // The queue beside it is pg-boss on the same database, named without the password too.
    expect(report.queue).toMatchObject({ backend: 'pg-boss', queue: 'evaluate', queued: 0, running: 0, deadLetters: 0, oldestQueuedAgeMs: null });
    expect(report.queue!.location).toContain('postgres://postgres:***@127.0.0.1:');
    const text = await lamarck(cwd, 'doctor', '--no-probe', '--store', url);
    expect(text.stdout).toContain('postgres://postgres:***@');
    expect(text.stdout).toMatch(/ok\s+queue\s+pg-boss \(postgres:\/\/postgres:\*\*\*@.*\): evaluate: 0 queued, 0 running, 0 dead-lettered, \d+ completed/);
    expect(`${text.stdout}${text.stderr}`).not.toContain(database.password);
  });

  it('a wrong password fails doctor and the command plainly, naming the server but never either password', async () => {
    const wrong = url.replace(database.password, 'not-the-Password-42');
    const doctor = await lamarck(cwd, '--json', 'doctor', '--no-probe', '--store', wrong);
    const store = (JSON.parse(doctor.stdout) as DoctorReport).checks.find((check) => check.name === 'store');
    expect(store?.status).toBe('fail');
    expect(store?.detail).toMatch(/postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/lamarck_test_\w+.*password authentication failed/);
    const runs = await lamarck(cwd, 'runs', '--store', wrong);
    expect(runs.code).toBe(1);
    expect(runs.stderr).toMatch(/password authentication failed/);
    for (const output of [doctor.stdout, doctor.stderr, runs.stdout, runs.stderr]) {
      expect(output).not.toContain('not-the-Password-42');
      expect(output).not.toContain(database.password);
    }
  });

  it('serve shows the PostgreSQL store over HTTP: the run list and a run page', async () => {
    const cli = new URL('../evolve/cli/run-cli.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, [cli, '--json', 'serve', '--port', '0', '--store', url], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /"url": "([^"]+)"/.exec(stdout);
          if (match !== null) resolve(match[1]!);
        });
        void exited.then(() => reject(new Error(`serve exited early: ${stderr}`)));
      });
      expect(stdout).toContain('postgres://postgres:***@');
      const list = (await (await fetch(`${base}/api/runs`)).json()) as { runs: { id: string; kind: string; iterations: number }[] };
      expect(list.runs.map((run) => [run.id, run.kind])).toEqual([[runId, 'evolve']]);
      const detail = await fetch(`${base}/api/runs/${runId}`);
      expect(detail.status).toBe(200);
      const body = await detail.text();
      expect(body).toContain(runId);
      expect(body).not.toContain(database.password);
    } finally {
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
    }
    expect(`${stdout}${stderr}`).not.toContain(database.password);
  });
});
