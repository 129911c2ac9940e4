import { describe, expect, it } from 'vitest';
import { openJobQueue } from '../../src/queue/open-job-queue.ts';
import { openStoreTarget } from '../../src/store/open-store.ts';
import { resolveStoreTarget } from '../../src/store/store-url.ts';
import { createTestDatabase } from '../support/postgres/test-database.ts';

describe('openJobQueue on PostgreSQL', () => {
  it('gives stores in two schemas of one database their own pg-boss queues, so a worker never takes the other store’s job', async () => {
    const database = await createTestDatabase();
    const targets = ['team_a', 'team_b'].map((schema) => resolveStoreTarget(`${database.url}?schema=${schema}`, process.cwd()));
    const stores = await Promise.all(targets.map((target) => openStoreTarget(target)));
    const queues = await Promise.all(stores.map((store, index) => openJobQueue(store, targets[index], { supervise: false })));
    try {
      const { jobId } = await queues[0]!.enqueue('evaluate', { run: 'a' });
      // A job of team_b's store would need team_b's problem snapshot: team_a's worker must never see it, and the reverse.
      expect(await queues[1]!.claim('evaluate', { workerId: 'worker-b', leaseMs: 10_000 })).toBeUndefined();
      expect((await queues[1]!.overview('evaluate')).counts.queued).toBe(0);
      expect(await queues[0]!.claim('evaluate', { workerId: 'worker-a', leaseMs: 10_000 })).toMatchObject({ jobId, payload: { run: 'a' } });
      expect((await queues[0]!.get('evaluate', jobId))?.workerId).toBe('worker-a');
    } finally {
      for (const queue of queues) await queue.close();
      for (const store of stores) await store.close();
      await database.drop();
    }
  });
});
