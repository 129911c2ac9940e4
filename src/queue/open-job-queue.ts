import { UsageError } from '../core/errors.ts';
import type { Store } from '../store/types.ts';
import { SqliteJobQueue } from './sqlite-job-queue.ts';
import type { JobQueue } from './types.ts';

/**
 * The job queue that goes with a store: the job table in the same SQLite file, so workers on one
 * machine need no server. Every process that opens the same store opens the same queue.
 */
export async function openJobQueue(store: Store): Promise<JobQueue> {
  if (store.kind === 'sqlite') {
    if (store.location === ':memory:') {
      throw new UsageError('external workers need a store other processes can open: a SQLite file or PostgreSQL, not :memory:');
    }
    return SqliteJobQueue.open({ path: store.location });
  }
  throw new UsageError(`no job queue for a ${store.kind} store in this build of lamarck`);
}
