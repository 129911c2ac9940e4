import { describe, expect, it } from 'vitest';
import { PgBossJobQueue } from '../../src/queue/pg-boss-job-queue.ts';
import type { JobQueue } from '../../src/queue/types.ts';
import { createTestDatabase } from '../support/postgres/test-database.ts';
import { describeQueueConformance } from './conformance.ts';

// pg-boss 12 on the tests' throwaway PostgreSQL, a fresh database per test. pg-boss reads time from
// the server and needs a lease (heartbeat) of at least 10 s, so time passes for real here; the
// suite still decides every outcome from what the queue recorded.
describeQueueConformance('pg-boss', async () => {
  const database = await createTestDatabase();
  const open = () => PgBossJobQueue.open({ connectionString: database.url, displayLocation: database.name, leaseSeconds: 10, superviseIntervalSeconds: 1 });
  const opened: JobQueue[] = [await open()];
  return {
    queue: opened[0]!,
    openAnother: async () => {
      const another = await open();
      opened.push(another);
      return another;
    },
    passTime: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
    controlsTime: false,
    leaseMs: 10_000,
    backoffMs: 1_000,
    cleanup: async () => {
      for (const queue of opened) await queue.close();
      await database.drop();
    },
  };
});

describe('pg-boss job queue: the lease', () => {
  it('is the one the sender fixed: a claim holds the job’s own lease, whatever the claimant was opened with', async () => {
    const database = await createTestDatabase();
    const sender = await PgBossJobQueue.open({ connectionString: database.url, displayLocation: database.name, leaseSeconds: 12, supervise: false });
    const worker = await PgBossJobQueue.open({ connectionString: database.url, displayLocation: database.name, leaseSeconds: 40, supervise: false });
    try {
      await sender.enqueue('evaluate', { n: 1 });
      // A worker that heartbeat by its own 40 s would beat every 13 s against a 12 s lease and lose the job.
      expect(await worker.claim('evaluate', { workerId: 'worker-a', leaseMs: 40_000 })).toMatchObject({ leaseMs: 12_000 });
    } finally {
      await sender.close();
      await worker.close();
      await database.drop();
    }
  });
});
