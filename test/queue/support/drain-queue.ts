// A child process for sqlite-job-queue-processes.test.ts: opens the queue, says "ready", waits for
// "go" on stdin so every child starts claiming at once, then claims and completes until the queue
// is empty, and prints the job ids it got as its last line.
import { SqliteJobQueue } from '../../../src/queue/sqlite-job-queue.ts';

const [path, workerId] = process.argv.slice(2) as [string, string];
const queue = SqliteJobQueue.open({ path });
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void (async () => {
    const jobIds: string[] = [];
    for (;;) {
      const job = await queue.claim('evaluate', { workerId, leaseMs: 60_000 });
      if (job === undefined) break;
      jobIds.push(job.jobId);
      if (!(await queue.complete(job, { by: workerId }))) throw new Error(`lost the claim on ${job.jobId}`);
    }
    await queue.close();
    process.stdout.write(`${JSON.stringify({ workerId, jobIds })}\n`);
  })();
});
