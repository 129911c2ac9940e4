import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/cli/commands/doctor.ts';
import { SqliteJobQueue } from '../../src/queue/sqlite-job-queue.ts';
import { openStore } from '../../src/store/open-store.ts';
import { lamarck } from '../serve/support/demo-store.ts';

/**
 * `lamarck doctor` has a queue line: which queue backend the store's workers use, and the
 * evaluation queue's jobs per state and its oldest waiting job, read from the job table the test
 * filled (PostgreSQL's pg-boss line is in test/cli/postgres-store.test.ts).
 */
const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describe('lamarck doctor: the queue', () => {
  it('names the backend and counts queued, running and dead-lettered jobs, with the oldest wait (text and --json)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lamarck-doctor-queue-'));
    directories.push(cwd);
    const store = await openStore({ cwd });
    const path = store.location;
    await store.close();
    const enqueuedAt = Date.now() - 90_000;
    const queue = SqliteJobQueue.open({ path, now: () => enqueuedAt });
    try {
      for (let index = 0; index < 4; index += 1) await queue.enqueue('evaluate', { index });
      const poisoned = (await queue.claim('evaluate', { workerId: 'worker-a', leaseMs: 60_000 }))!;
      expect(await queue.fail(poisoned, 'the snapshot is missing', { permanent: true })).toBe('dead');
      await queue.claim('evaluate', { workerId: 'worker-a', leaseMs: 600_000 });
    } finally {
      await queue.close();
    }

    const json = await lamarck(cwd, '--json', 'doctor', '--no-probe');
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.queue).toMatchObject({ backend: 'sqlite', location: path, queue: 'evaluate', queued: 2, running: 1, deadLetters: 1, completed: 0 });
    // Enqueued 90 s before the doctor ran (the recorded time), so at least that old.
    expect(report.queue!.oldestQueuedAgeMs).toBeGreaterThanOrEqual(90_000);
    const line = report.checks.find((check) => check.name === 'queue');
    expect(line?.status).toBe('warn');

    const text = await lamarck(cwd, 'doctor', '--no-probe');
    expect(text.stdout).toMatch(/warn\s+queue\s+sqlite \(.*lamarck\.db\): evaluate: 2 queued, 1 running, 1 dead-lettered, 0 completed, oldest queued \d+ s ago/);
  });

  it('says an empty queue is ok, with no oldest job', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lamarck-doctor-queue-'));
    directories.push(cwd);
    const json = await lamarck(cwd, '--json', 'doctor', '--no-probe');
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.queue).toMatchObject({ backend: 'sqlite', queued: 0, running: 0, deadLetters: 0, completed: 0, oldestQueuedAgeMs: null });
    expect(report.checks.find((check) => check.name === 'queue')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/evaluate: 0 queued, 0 running, 0 dead-lettered, 0 completed$/) });
  });
});
