/**
 * `npm run bench -- workers`: evaluation by external `lamarck worker` processes, over the SQLite
 * job table and over pg-boss on a throwaway PostgreSQL (initdb in a temporary directory, as the
 * tests do), measured in one run.
 * - throughput: evaluations per second with 1, 2, 3 and 4 worker processes (one slot each) on an
 *   evaluator that sleeps 500 ms, and the ratio to one worker (goal: >= 0.9 x N).
 * - claimToStartMs: median time from a worker's claim to its evaluator starting (goal: <= 5 ms).
 * - claimToCompleteOverheadMs: median time from the claim until the queue recorded the result,
 *   less the evaluator process's own run time: what the queue and the worker add to each job.
 * Jobs are queued before the workers start and the times are the ones the workers and the queue
 * recorded, so process start-up is not counted.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../src/core/json.ts';
import { buildEvaluationJob, type EvaluationJobResult } from '../src/evolve/distributed/evaluation-job.ts';
import { saveProblemSnapshot, takeProblemSnapshot } from '../src/evolve/distributed/problem-snapshot.ts';
import { loadProblem } from '../src/evolve/problem/load-problem.ts';
import { openJobQueue } from '../src/queue/open-job-queue.ts';
import { openStoreTarget } from '../src/store/open-store.ts';
import { resolveStoreTarget } from '../src/store/store-url.ts';
import { startTestPostgres, stopTestPostgres } from '../test/support/postgres/server.ts';
import { median, percentile, round } from './stats.ts';

const cli = new URL('../bin/lamarck.js', import.meta.url).pathname;
const evaluationSleepMs = 500;

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'lamarck-bench-workers-'));
  const server = await startTestPostgres();
  try {
    const problem = writeSleepingProblem(join(root, 'problem'));
    const jobsPerWorker = quick ? 6 : 12;
    const backends: Record<string, unknown> = {};
    for (const [name, url] of [
      ['sqlite', (workers: number) => `sqlite:${join(root, `sqlite-${workers}.db`)}`],
      ['pg-boss', (workers: number) => `${server.adminUrl}?schema=workers_${workers}`],
    ] as const) {
      const byWorkers: Record<string, Figures> = {};
      for (const workers of [1, 2, 3, 4]) byWorkers[String(workers)] = await measure(problem, url(workers), workers, jobsPerWorker * workers);
      const single = byWorkers['1']!.evaluationsPerSecond;
      backends[name] = {
        ...Object.fromEntries(
          Object.entries(byWorkers).map(([workers, figures]) => [workers, { ...figures, ratioToOneWorker: round(figures.evaluationsPerSecond / single, 2) }]),
        ),
      };
    }
    return {
      evaluator: `sleeps ${evaluationSleepMs} ms (sh), one slot per worker`,
      jobsPerWorker,
      backends,
      goals: 'throughput ratio >= 0.9 x workers; median claim-to-start <= 5 ms',
      postgres: 'PostgreSQL 15, throwaway server on 127.0.0.1 (fsync off)',
    };
  } finally {
    stopTestPostgres(server.directory);
    rmSync(root, { recursive: true, force: true });
  }
}

interface Figures {
  jobs: number;
  evaluationsPerSecond: number;
  claimToStartMs: number;
  claimToStartP90Ms: number;
  claimToCompleteOverheadMs: number;
}

async function measure(directory: string, url: string, workers: number, jobs: number): Promise<Figures> {
  const target = resolveStoreTarget(url, directory);
  const store = await openStoreTarget(target);
  const queue = await openJobQueue(store, target, { supervise: false });
  try {
    const problem = await loadProblem(directory);
    const snapshot = await takeProblemSnapshot({ directory, programPaths: Object.keys(problem.files) });
    await saveProblemSnapshot(store, snapshot);
    // The workers start first and the jobs are queued once all of them are ready, so a slow
    // process start on a busy machine does not count against throughput.
    const workerProcesses = Array.from({ length: workers }, () => startWorker(url, directory));
    await Promise.all(workerProcesses.map((worker) => worker.ready));
    const jobIds: string[] = [];
    for (let index = 0; index < jobs; index += 1) {
      const payload = buildEvaluationJob({ problem, snapshotHash: snapshot.hash, runId: 'run_bench', candidateId: `prg_${index}`, files: { 'program.sh': `# ${index}\n` } });
      jobIds.push((await queue.enqueue('evaluate', payload)).jobId);
    }
    await Promise.all(workerProcesses.map((worker) => worker.exited));
    const records = await Promise.all(jobIds.map((jobId) => queue.get('evaluate', jobId)));
    const done = records.filter((record) => record?.state === 'completed' && record.result !== null);
    if (done.length !== jobs) throw new Error(`only ${done.length} of ${jobs} jobs completed on ${queue.kind}`);
    const results = done.map((record) => ({ record: record!, result: record!.result as EvaluationJobResult }));
    const firstClaim = Math.min(...results.map(({ result }) => result.claimedAt));
    const lastFinish = Math.max(...results.map(({ result }) => result.finishedAt));
    const claimToStart = results.map(({ result }) => result.startedAt - result.claimedAt);
    const overhead = results.map(({ record, result }) => record.finishedAt! - result.claimedAt - durationOf(result.evaluation));
    return {
      jobs,
      evaluationsPerSecond: round((jobs * 1000) / (lastFinish - firstClaim), 3),
      claimToStartMs: round(median(claimToStart), 2),
      claimToStartP90Ms: round(percentile(claimToStart, 0.9), 2),
      claimToCompleteOverheadMs: round(median(overhead), 2),
    };
  } finally {
    await queue.close();
    await store.close();
  }
}

/** One `lamarck worker` process: ready once it says so, exited once the queue has been empty for three seconds. */
function startWorker(url: string, cwd: string): { ready: Promise<void>; exited: Promise<void> } {
  const child = spawn(process.execPath, [cli, 'worker', '--store', url, '--exit-when-idle', '3'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const listen = (chunk: Buffer): void => {
    output += chunk.toString();
    if (/ slots? on queue /.test(output)) markReady();
  };
  child.stdout.on('data', listen);
  child.stderr.on('data', listen);
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => {
      markReady();
      if (code === 0) resolve();
      else reject(new Error(`lamarck worker exited with ${code}: ${output}`));
    }),
  );
  return { ready, exited };
}

function durationOf(evaluation: JsonObject): number {
  return typeof evaluation['durationMs'] === 'number' ? evaluation['durationMs'] : 0;
}

/** A problem whose evaluator (sh, no interpreter start-up to speak of) sleeps, then scores 1. */
function writeSleepingProblem(directory: string): string {
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'program.sh'), '# EVOLVE-BLOCK-START\n# EVOLVE-BLOCK-END\n');
  writeFileSync(join(directory, 'evaluate.sh'), `sleep ${evaluationSleepMs / 1000}\necho '{"combined_score": 1}'\n`);
  writeFileSync(
    join(directory, 'lamarck.json'),
    JSON.stringify({ name: 'sleeping', program: 'program.sh', evaluator: { command: ['sh', 'evaluate.sh'], timeoutSeconds: 30 } }),
  );
  return directory;
}
