import { UsageError } from '../core/errors.ts';
import type { StoreTarget } from '../store/store-url.ts';
import type { Store } from '../store/types.ts';
import { PgBossJobQueue } from './pg-boss-job-queue.ts';
import { SqliteJobQueue } from './sqlite-job-queue.ts';
import type { JobQueue } from './types.ts';
import { definedOnly } from '../core/defined-only.ts';

export interface OpenJobQueueOptions {
  /**
   * The lease of each job this process queues, where the queue fixes it per job (pg-boss: at
   * least 10 s). The SQLite job table takes the lease each worker asks for when it claims.
   */
  leaseSeconds?: number;
  /** False for a look only (`doctor`): no pg-boss supervisor in this process. */
  supervise?: boolean;
}

/**
 * The job queue that goes with a store: the job table in the same SQLite file (workers on one
 * machine need no server), or pg-boss on the same PostgreSQL database (workers anywhere that reach
 * it), in schemas named after the store's (`lamarck_pgboss` and `lamarck_queue` beside the default
 * `lamarck`). Every process that opens the same store opens the same queue. `target` is where the store
 * was opened from: PostgreSQL needs its connection settings, which the store does not show.
 */
export async function openJobQueue(store: Store, target?: StoreTarget, options: OpenJobQueueOptions = {}): Promise<JobQueue> {
  if (store.kind === 'sqlite') {
    if (store.location === ':memory:') {
      throw new UsageError('external workers need a store other processes can open: a SQLite file or PostgreSQL, not :memory:');
    }
    return SqliteJobQueue.open({ path: store.location });
  }
  if (store.kind === 'postgres') {
    if (target?.kind !== 'postgres') throw new UsageError('the pg-boss job queue needs the PostgreSQL store URL it shares');
    return PgBossJobQueue.open({
      connectionString: target.settings.connectionString,
      displayLocation: store.location,
      // Beside the store's own schema, so stores in other schemas of one database keep their jobs apart.
      schema: `${target.settings.schema}_pgboss`,
      claimsSchema: `${target.settings.schema}_queue`,
      ...definedOnly({ leaseSeconds: options.leaseSeconds, supervise: options.supervise }),
    });
  }
  throw new UsageError(`no job queue for a ${store.kind} store: use a SQLite file or PostgreSQL`);
}
