import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openJobQueue } from '../../../src/queue/open-job-queue.ts';
import type { JobQueue } from '../../../src/queue/types.ts';
import { openStoreTarget } from '../../../src/store/open-store.ts';
import { resolveStoreTarget } from '../../../src/store/store-url.ts';
import type { Store } from '../../../src/store/types.ts';
import { createTestDatabase, type TestDatabase } from '../../support/postgres/test-database.ts';
import { logLines, makeWorkerProblem, startCli, waitFor, type CliProcess } from './cli-processes.ts';

/**
 * The coordinator of `evolve --workers external` killed with kill -9 while its jobs are on the
 * workers, then resumed with `--resume`: the workers finish the jobs in flight meanwhile, and the
 * resumed run applies each of those results once, without evaluating the candidate again, and
 * goes on to its iterations. The run is seeded, so the resumed coordinator proposes the same
 * candidates again and finds their jobs by content. Judged from the job table or pg-boss, the
 * store and the evaluator's own log (one line per evaluation that ran), never from timing.
 */
const root = mkdtempSync(join(tmpdir(), 'lamarck-coordinator-resume-'));
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const database of databases) await database.drop();
  rmSync(root, { recursive: true, force: true });
});

const started: CliProcess[] = [];
afterEach(() => {
  for (const process of started.splice(0)) if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
});

const rejectionKinds = ['novelty-rejected', 'apply-failed', 'not-applicable'];

const backends: Array<{ name: string; storeUrl: (directory: string) => Promise<string> }> = [
  { name: 'SQLite', storeUrl: async (directory) => `sqlite:${join(directory, 'store.db')}` },
  {
    name: 'PostgreSQL (pg-boss)',
    storeUrl: async () => {
      const database = await createTestDatabase();
      databases.push(database);
      return `${database.url}?schema=resumed`;
    },
  },
];

describe.each(backends)('a killed coordinator resumed with external workers on $name', ({ name, storeUrl }) => {
  it('applies the results its workers finished meanwhile once, evaluates nothing twice, and finishes the run', async () => {
    const { directory, log } = makeWorkerProblem(root, `resume-${name.split(' ')[0]!.toLowerCase()}`, 1);
    const url = await storeUrl(directory);
    const target = resolveStoreTarget(url, directory);
    const store: Store = await openStoreTarget(target);
    const queue: JobQueue = await openJobQueue(store, target, { supervise: false });
    const start = (args: string[]): CliProcess => {
      const process = startCli(args, directory, { LAMARCK_STORE: url });
      started.push(process);
      return process;
    };
    try {
      const workers = [0, 1].map(() => start(['worker', '--lease-seconds', '5']));
      await waitFor(() => (workers.every((worker) => worker.output().includes('slot')) ? true : undefined), 'the workers to start');
      const iterations = ['--iterations', '8', '--seed', '1', '--evaluations', '2', '--workers', 'external', '--job-lease-seconds', '10', '--json'];
      const coordinator = start(['evolve', directory, ...iterations]);

      // Killed once two children are stored and jobs of later ones are on the workers: from what was recorded.
      const runId = await waitFor(async () => (await store.listRuns({ kind: 'evolve' }))[0]?.id, 'the run to be created');
      const inFlight = await waitFor(async () => {
        const programs = await store.listPrograms(runId);
        if (programs.length < 3) return undefined;
        const jobs = (await queue.list('evaluate')).filter((job) => job.payload['runId'] === runId && (job.state === 'active' || job.state === 'queued'));
        return jobs.length > 0 ? jobs : undefined;
      }, 'jobs in flight after two stored children');
      coordinator.child.kill('SIGKILL');
      expect((await coordinator.exited).signal).toBe('SIGKILL');
      const storedAtKill = new Set((await store.listPrograms(runId)).map((program) => program.id));

      // The workers finish the jobs in flight with no coordinator to read them.
      await waitFor(async () => {
        const states = await Promise.all(inFlight.map(async (job) => (await queue.get('evaluate', job.id))?.state));
        return states.every((state) => state === 'completed') ? true : undefined;
      }, 'the workers to finish the jobs in flight');

      const resumed = start(['evolve', '--resume', runId, ...iterations]);
      const finished = await resumed.exited;
      expect(finished.code, finished.stderr).toBe(0);
      const summary = JSON.parse(finished.stdout) as { runId: string; iterations: number; evaluations: number };
      expect(summary).toMatchObject({ runId, iterations: 8 });

      const programs = await store.listPrograms(runId);
      const evaluated = programs.filter((program) => program.failure === null || !rejectionKinds.includes(program.failure.kind));
      const contentOf = (files: unknown): string => sha256((files as Record<string, string>)['program.py']!);
      const jobs = (await queue.list('evaluate')).filter((job) => job.payload['runId'] === runId);
      // Each result finished while the coordinator was dead is a stored program now, exactly once, and was not run again.
      for (const job of inFlight) {
        const matching = evaluated.filter((program) => !storedAtKill.has(program.id) && contentOf(program.files) === contentOf(job.payload['files']));
        expect(matching, `the result of job ${job.id}`).toHaveLength(1);
        expect((await queue.get('evaluate', job.id))?.attempts).toBe(1);
      }
      // One job per evaluated candidate, every evaluation run once, no content stored twice.
      expect(jobs).toHaveLength(evaluated.length);
      expect(jobs.every((job) => job.state === 'completed' && job.attempts === 1)).toBe(true);
      const contents = evaluated.map((program) => contentOf(program.files));
      expect(new Set(contents).size).toBe(contents.length);
      const logged = logLines(log);
      expect(logged.sort()).toEqual([...contents].sort());

      for (const worker of workers) worker.child.kill('SIGTERM');
      await Promise.all(workers.map((worker) => worker.exited));
    } finally {
      await queue.close();
      await store.close();
    }
  }, 300_000);
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
