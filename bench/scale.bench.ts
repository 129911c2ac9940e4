/**
 * `npm run bench -- scale`: Lamarck on a shared PostgreSQL store, beside the embedded SQLite one,
 * measured in one run on a throwaway server (initdb in a temporary directory, as the tests do).
 * - engineOverhead10k: the evolve engine's wall time per iteration (instant scripted model,
 *   in-process evaluator) on a run already holding 10,000 programs, SQLite and PostgreSQL.
 * - coordinator100k: the same at 100,000 programs on PostgreSQL, with the resident size once the
 *   run's in-memory database is rebuilt (goals: <= 2 ms per iteration, <= 300 MB), and again in a
 *   fresh process that only resumes the run (`freshProcess`: what a coordinator really holds).
 * - storeCopy: `lamarck store copy` of the 10,000-program SQLite store into PostgreSQL, records per second.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyStore } from '../src/store/copy-store.ts';
import { openStore } from '../src/store/open-store.ts';
import { startTestPostgres, stopTestPostgres } from '../test/support/postgres/server.ts';
import { measureOverhead } from './evolve.bench.ts';
import { round } from './stats.ts';

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'lamarck-bench-scale-'));
  const server = await startTestPostgres();
  const url = (schema: string): string => `${server.adminUrl}?schema=${schema}`;
  try {
    const iterations = quick ? 100 : 300;
    const sqlite10k = await measureOverhead(join(root, 'sqlite'), 10_000, iterations);
    const postgres10k = await measureOverhead(join(root, 'postgres'), 10_000, iterations, { url: url('overhead_10k') });
    const engineOverhead10k = {
      programs: 10_000,
      sqlite: sqlite10k.report,
      postgres: postgres10k.report,
      postgresToSqlite: round(postgres10k.medianMs / sqlite10k.medianMs, 2),
    };

    const copied = await measureCopy(join(root, 'sqlite', 'overhead-10000'), url('copied'));

    let coordinator100k: Record<string, unknown> = { skipped: 'quick run' };
    if (!quick) {
      const postgres100k = await measureOverhead(join(root, 'postgres-100k'), 100_000, iterations, { url: url('overhead_100k') });
      coordinator100k = {
        store: 'postgres',
        ...postgres100k.report,
        ...postgres100k.memory,
        // The figures above come from the process that filled the store and read every full record once.
        freshProcess: await resumeInFreshProcess(url('overhead_100k'), postgres100k.runId, postgres100k.directory, 100_000, 100_000 - 1 + 2 * iterations),
        goals: 'median <= 2 ms per iteration and <= 300 MB RSS at 100,000 programs on PostgreSQL',
      };
    }
    return { engineOverhead10k, coordinator100k, storeCopy: copied, postgres: 'PostgreSQL 15, throwaway server on 127.0.0.1 (fsync off)' };
  } finally {
    stopTestPostgres(server.directory);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Resumes the run in a child process that holds only what a resumed coordinator holds (bench/resume-coordinator.ts). */
function resumeInFreshProcess(url: string, runId: string, directory: string, programs: number, iterations: number): Promise<Record<string, unknown>> {
  const script = new URL('./resume-coordinator.ts', import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, url, runId, directory, String(programs), String(iterations)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the fresh coordinator exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>);
    });
  });
}

async function measureCopy(sqliteDirectory: string, destination: string): Promise<Record<string, unknown>> {
  const from = await openStore({ cwd: sqliteDirectory });
  const to = await openStore({ cwd: sqliteDirectory, url: destination });
  try {
    const report = await copyStore(from, to);
    const records = Object.values(report.written).reduce((sum, count) => sum + count, 0);
    return {
      from: 'sqlite',
      to: 'postgres',
      records,
      programs: report.written.programs,
      seconds: round(report.elapsedMs / 1000, 2),
      recordsPerSecond: round((records * 1000) / report.elapsedMs, 0),
    };
  } finally {
    await from.close();
    await to.close();
  }
}
