import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildEvaluationJob } from '../../../src/evolve/distributed/evaluation-job.ts';
import { saveProblemSnapshot, takeProblemSnapshot } from '../../../src/evolve/distributed/problem-snapshot.ts';
import { loadProblem } from '../../../src/evolve/problem/load-problem.ts';
import { SqliteJobQueue } from '../../../src/queue/sqlite-job-queue.ts';
import type { JobRecord } from '../../../src/queue/types.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { logLines, makeWorkerProblem, startCli, waitFor, type CliProcess } from './cli-processes.ts';

/**
 * `evolve --workers external` with `lamarck worker` processes on one SQLite store, all real
 * processes. Outcomes are read from the store and the job table (what was recorded), never from
 * how long something took.
 */
const root = mkdtempSync(join(tmpdir(), 'lamarck-workers-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const started: CliProcess[] = [];
afterEach(() => {
  for (const process of started.splice(0)) if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
});

function start(args: string[], cwd: string, env: Record<string, string>): CliProcess {
  const process = startCli(args, cwd, env);
  started.push(process);
  return process;
}

const rejectionKinds = ['novelty-rejected', 'apply-failed', 'not-applicable'];

describe('external workers on SQLite (CLI processes)', () => {
  it('finishes a run while a worker is killed with kill -9 mid-evaluation: every candidate evaluated and recorded once', async () => {
    const { directory, log } = makeWorkerProblem(root, 'kill-worker', 1);
    const storePath = join(directory, 'store.db');
    const env = { LAMARCK_STORE: storePath };
    const workers = [0, 1, 2].map(() => start(['worker', '--lease-seconds', '2'], directory, env));
    await waitFor(() => (workers.every((worker) => worker.output().includes('slot')) ? true : undefined), 'the workers to start');
    const coordinator = start(['evolve', directory, '--iterations', '8', '--evaluations', '3', '--workers', 'external', '--json'], directory, env);
    const queue = SqliteJobQueue.open({ path: storePath });
    try {
      // Kill the first worker seen holding a job after the initial program's: mid-evaluation by the job table's own record.
      const victimJob = await waitFor(async () => {
        const active = await queue.list('evaluate', { state: 'active' });
        return active.find((job) => job.attempts === 1 && !isInitial(job) && workers.some((worker) => job.workerId?.includes(`:${worker.child.pid}:`)));
      }, 'a worker to be evaluating a child');
      const victim = workers.find((worker) => victimJob.workerId!.includes(`:${worker.child.pid}:`))!;
      victim.child.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');

      const finished = await coordinator.exited;
      expect(finished.stderr).toBe('');
      expect(finished.code).toBe(0);
      const summary = JSON.parse(finished.stdout) as { runId: string; iterations: number; evaluations: number; workers: { jobs: number; workers: number; occupancy: number } };
      expect(summary.iterations).toBe(8);

      const jobs = (await queue.list('evaluate')).filter((job) => job.payload['runId'] === summary.runId);
      expect(jobs.map((job) => job.state)).toEqual(jobs.map(() => 'completed'));
      // The killed worker's job went back to the queue when its lease expired, and another worker finished it.
      const retried = (await queue.get('evaluate', victimJob.id))!;
      expect(retried.attempts).toBe(2);
      expect(retried.lastError).toContain(`lease expired: worker ${victimJob.workerId}`);
      expect(retried.workerId).not.toBe(victimJob.workerId);

      const store = await openStore({ cwd: directory, path: storePath });
      try {
        const programs = await store.listPrograms(summary.runId);
        const evaluated = programs.filter((program) => program.failure === null || !rejectionKinds.includes(program.failure.kind));
        // One job per evaluated candidate and one stored result per job: nothing lost, nothing twice.
        expect(summary.evaluations).toBe(evaluated.length);
        expect(jobs.length).toBe(evaluated.length);
        expect(jobs.map((job) => job.payload['candidateId']).sort()).toEqual(evaluated.map((program) => program.id).sort());
        expect(evaluated.every((program) => program.status === 'evaluated')).toBe(true);
        // Each stored score is the one its evaluation logged: every evaluation that ran to its end is in the log.
        const counts = new Map<string, number>();
        for (const line of logLines(log)) counts.set(line, (counts.get(line) ?? 0) + 1);
        for (const program of evaluated) expect(counts.get(sha256(program.files['program.py']!)) ?? 0).toBeGreaterThanOrEqual(1);
      } finally {
        await store.close();
      }
      expect(summary.workers.jobs).toBe(jobs.length);
      expect(summary.workers.workers).toBeGreaterThanOrEqual(2);
      expect(summary.workers.occupancy).toBeGreaterThan(0);

      const listed = start(['runs'], directory, env);
      const runsText = (await listed.exited).stdout;
      expect(runsText).toContain(summary.runId);
      expect(runsText).toMatch(/workers: \d workers \(\d slots\), \d+ jobs, occupancy \d+%/);
    } finally {
      await queue.close();
    }
  }, 240_000);

  it('dead-letters a poison job that kills every worker that takes it, with the reason, instead of looping', async () => {
    const { directory } = makeWorkerProblem(root, 'poison', 0);
    const storePath = join(directory, 'store.db');
    const store = await openStore({ cwd: directory, path: storePath });
    const queue = SqliteJobQueue.open({ path: storePath });
    try {
      const problem = await loadProblem(directory);
      const snapshot = await takeProblemSnapshot({ directory, programPaths: Object.keys(problem.files) });
      await saveProblemSnapshot(store, snapshot);
      const payload = buildEvaluationJob({
        problem,
        snapshotHash: snapshot.hash,
        runId: 'run_poison',
        candidateId: 'prg_poison',
        files: { 'program.py': '# POISON\n# EVOLVE-BLOCK-START\nx = 1.0\ny = 1.0\n# EVOLVE-BLOCK-END\n' },
      });
      const { jobId } = await queue.enqueue('evaluate', payload, { maxAttempts: 2, backoffMs: 100 });
      const outcomes: Array<NodeJS.Signals | number | null> = [];
      let job: JobRecord | undefined;
      for (let round = 0; round < 4; round += 1) {
        const worker = start(['worker', '--store', `sqlite:${storePath}`, '--lease-seconds', '1', '--exit-when-idle', '3'], directory, {});
        const exit = await worker.exited;
        outcomes.push(exit.signal ?? exit.code);
        job = await queue.get('evaluate', jobId);
        if (job?.state === 'dead' && exit.signal === null) break;
      }
      // Two workers died taking it (its two attempts); the third found it dead-lettered and stopped idle.
      expect(outcomes).toEqual(['SIGKILL', 'SIGKILL', 0]);
      expect(job).toMatchObject({ state: 'dead', attempts: 2 });
      expect(job!.lastError).toMatch(/lease expired: worker .* stopped heartbeating during attempt 2 of 2, no attempts left/);
    } finally {
      await queue.close();
      await store.close();
    }
  }, 180_000);
});

function isInitial(job: JobRecord): boolean {
  const files = job.payload['files'] as Record<string, string>;
  return files['program.py']?.includes('x = 10.0\ny = -4.0') === true;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
