import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJobQueue } from '../../src/queue/sqlite-job-queue.ts';
import type { JobQueue } from '../../src/queue/types.ts';
import { describeQueueConformance } from './conformance.ts';

// A real file shared by two connections, both reading time from one fake clock: leases and
// backoffs expire when the test moves the clock, never by waiting.
describeQueueConformance('sqlite job table', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'lamarck-queue-'));
  const path = join(directory, 'lamarck.db');
  let now = 1_700_000_000_000;
  const clock = () => now;
  const opened: JobQueue[] = [SqliteJobQueue.open({ path, now: clock })];
  return {
    queue: opened[0]!,
    openAnother: async () => {
      const another = SqliteJobQueue.open({ path, now: clock });
      opened.push(another);
      return another;
    },
    passTime: async (milliseconds) => {
      now += milliseconds + 1;
    },
    controlsTime: true,
    leaseMs: 30_000,
    backoffMs: 1_000,
    cleanup: async () => {
      for (const queue of opened) await queue.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});
