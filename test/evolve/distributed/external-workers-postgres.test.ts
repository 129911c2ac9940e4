import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openJobQueue } from '../../../src/queue/open-job-queue.ts';
import type { JobQueue, JobRecord } from '../../../src/queue/types.ts';
import { openStoreTarget } from '../../../src/store/open-store.ts';
import { resolveStoreTarget } from '../../../src/store/store-url.ts';
import type { Store } from '../../../src/store/types.ts';
import { createTestDatabase, type TestDatabase } from '../../support/postgres/test-database.ts';
import { makeWorkerProblem, startCli, waitFor, type CliProcess } from './cli-processes.ts';

/**
 * `evolve --workers external` on PostgreSQL with three `lamarck worker` processes on pg-boss, all
 * real processes, one worker killed with kill -9 mid-evaluation. What happened is read from what
 * pg-boss and the store recorded (job states, attempts, who claimed each attempt), never from how
 * long something took. The lease is pg-boss's shortest (10 s): long enough that a live worker's
 * heartbeat (every third of it) never misses on a loaded machine, short enough for a test.
 */
const root = mkdtempSync(join(tmpdir(), 'lamarck-workers-pg-'));
let database: TestDatabase;
let url: string;
let store: Store;
let queue: JobQueue;

beforeAll(async () => {
  database = await createTestDatabase();
  url = `${database.url}?schema=workers`;
  const target = resolveStoreTarget(url, root);
  store = await openStoreTarget(target);
  queue = await openJobQueue(store, target, { supervise: false });
});

afterAll(async () => {
  await queue?.close();
  await store?.close();
  await database?.drop();
  rmSync(root, { recursive: true, force: true });
});

const started: CliProcess[] = [];
afterEach(() => {
  for (const process of started.splice(0)) if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
});

function start(args: string[], cwd: string): CliProcess {
  const process = startCli(args, cwd, { LAMARCK_STORE: url });
  started.push(process);
  return process;
}

const rejectionKinds = ['novelty-rejected', 'apply-failed', 'not-applicable'];

describe('external workers on PostgreSQL with pg-boss (CLI processes)', () => {
  it('finishes a run while one of three workers is killed with kill -9 mid-evaluation: every candidate evaluated once, no result recorded twice', async () => {
    const { directory } = makeWorkerProblem(root, 'kill-worker-pg', 1);
    const workers = [0, 1, 2].map(() => start(['worker'], directory));
    await waitFor(() => (workers.every((worker) => worker.output().includes('slot')) ? true : undefined), 'the workers to start');
    const coordinator = start(['evolve', directory, '--iterations', '6', '--evaluations', '3', '--workers', 'external', '--job-lease-seconds', '10', '--json'], directory);

    // The first worker seen holding a child's job (pg-boss says active, our claims table says who) is killed.
    const victimJob = await waitFor(async () => {
      const active = await queue.list('evaluate', { state: 'active' });
      return active.find((job) => job.attempts === 1 && !isInitial(job) && workers.some((worker) => job.workerId?.includes(`:${worker.child.pid}:`)));
    }, 'a worker to be evaluating a child');
    const victim = workers.find((worker) => victimJob.workerId!.includes(`:${worker.child.pid}:`))!;
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    const finished = await coordinator.exited;
    expect(finished.code, finished.stderr).toBe(0);
    const summary = JSON.parse(finished.stdout) as { runId: string; iterations: number; evaluations: number; workers: { jobs: number; workers: number } };
    expect(summary.iterations).toBe(6);

    const jobs = (await queue.list('evaluate')).filter((job) => job.payload['runId'] === summary.runId);
    expect(jobs.map((job) => job.state)).toEqual(jobs.map(() => 'completed'));
    // The killed worker's attempt ended only because its heartbeat stopped: pg-boss's supervisor failed it, and another worker ran attempt 2.
    const retried = (await queue.get('evaluate', victimJob.id))!;
    expect(retried.attempts).toBe(2);
    expect(retried.workerId).not.toBe(victimJob.workerId);
    expect(jobs.filter((job) => job.attempts > 1).map((job) => job.id)).toEqual([victimJob.id]);

    const programs = await store.listPrograms(summary.runId);
    const evaluated = programs.filter((program) => program.failure === null || !rejectionKinds.includes(program.failure.kind));
    // One job per evaluated candidate, one stored program per job: nothing lost, nothing twice.
    expect(summary.evaluations).toBe(evaluated.length);
    expect(jobs).toHaveLength(evaluated.length);
    expect(jobs.map((job) => job.payload['candidateId']).sort()).toEqual(evaluated.map((program) => program.id).sort());
    expect(evaluated.every((program) => program.status === 'evaluated')).toBe(true);
    expect(summary.workers.jobs).toBe(jobs.length);

    for (const worker of workers.filter((each) => each !== victim)) worker.child.kill('SIGTERM');
    const exits = await Promise.all(workers.filter((each) => each !== victim).map((worker) => worker.exited));
    expect(exits.map((exit) => exit.code)).toEqual([0, 0]);
  }, 300_000);
});

function isInitial(job: JobRecord): boolean {
  const files = job.payload['files'] as Record<string, string>;
  return files['program.py']?.includes('x = 10.0\ny = -4.0') === true;
}
