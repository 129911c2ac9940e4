import { openJobQueue } from '../queue/open-job-queue.ts';
import type { JobQueue } from '../queue/types.ts';
import { resolveStoreTarget } from '../store/store-url.ts';
import type { Store } from '../store/types.ts';
import type { CliContext } from './context.ts';

/**
 * The job queue of the store a command uses: the one named by `storeFlag` when given, else the
 * configured one (`--store`, `LAMARCK_STORE`, lamarck.config.json), the same resolution as the store's.
 */
export async function openCommandJobQueue(context: CliContext, store: Store, storeFlag?: string): Promise<JobQueue> {
  const config = await context.config();
  const target = resolveStoreTarget(storeFlag ?? config.store.url ?? config.store.path, context.cwd);
  return openJobQueue(store, target);
}
