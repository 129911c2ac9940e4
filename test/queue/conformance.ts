import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedJob, JobQueue } from '../../src/queue/types.ts';

/**
 * What an implementation under test provides. Time: `passTime(ms)` makes at least `ms` pass as the
 * queue sees it. An implementation that takes time from an injectable clock moves that clock (no
 * real waiting); one that can only use its server's clock (pg-boss) waits. Either way the suite
 * then decides outcomes by polling the queue's recorded state (`eventually`), never by which timer
 * fired first. `leaseMs`/`backoffMs` are the smallest durations the implementation supports.
 */
export interface QueueHarness {
  queue: JobQueue;
  /** A second JobQueue on the same data, standing in for another process. */
  openAnother(): Promise<JobQueue>;
  passTime(milliseconds: number): Promise<void>;
  /** True when passTime moves a clock the queue reads (so "not yet" can be asserted after it). */
  controlsTime: boolean;
  leaseMs: number;
  backoffMs: number;
  cleanup(): Promise<void>;
}

/** Polls `probe` until it gives a value, for up to `timeoutMs` (generous: a busy machine is slow, not wrong). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'the queue to reach the expected state'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The one conformance suite for the JobQueue contract; SQLite and pg-boss run it unchanged. */
export function describeQueueConformance(name: string, factory: () => Promise<QueueHarness>): void {
  describe(`JobQueue conformance: ${name}`, () => {
    let harness: QueueHarness;
    let queue: JobQueue;
    const name = 'evaluate';

    beforeEach(async () => {
      harness = await factory();
      queue = harness.queue;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    const claimBy = (workerId: string, on: JobQueue = queue) => on.claim(name, { workerId, leaseMs: harness.leaseMs });

    it('hands a job to one claimant, with its payload, and records the claim', async () => {
      const { jobId, created } = await queue.enqueue(name, { candidate: 'prg_1', files: { 'main.py': 'x = 1\n' } });
      expect(created).toBe(true);
      const job = await claimBy('worker-a');
      expect(job).toMatchObject({ jobId, attempt: 1, payload: { candidate: 'prg_1', files: { 'main.py': 'x = 1\n' } }, previousError: null, leaseMs: harness.leaseMs });
      expect(await claimBy('worker-b')).toBeUndefined();
      const stored = await queue.get(name, jobId);
      expect(stored).toMatchObject({ state: 'active', attempts: 1, workerId: 'worker-a' });
      expect(await queue.counts(name)).toEqual({ queued: 0, active: 1, completed: 0, dead: 0 });
    });

    it('keeps queues apart', async () => {
      await queue.enqueue('other-queue', { n: 1 });
      expect(await claimBy('worker-a')).toBeUndefined();
      expect(await queue.counts(name)).toEqual({ queued: 0, active: 0, completed: 0, dead: 0 });
    });

    it('records a result exactly once, and only from the claim that holds the job', async () => {
      const { jobId } = await queue.enqueue(name, { n: 1 });
      const job = (await claimBy('worker-a'))!;
      expect(await queue.complete({ ...job, token: 'not-the-claim' }, { score: 9 })).toBe(false);
      expect(await queue.complete(job, { score: 1 })).toBe(true);
      expect(await queue.complete(job, { score: 2 })).toBe(false);
      expect(await queue.fail(job, 'too late')).toBe('lost');
      const stored = await queue.get(name, jobId);
      expect(stored).toMatchObject({ state: 'completed', result: { score: 1 } });
      expect(stored?.finishedAt).not.toBeNull();
      expect(await claimBy('worker-b')).toBeUndefined();
    });

    it('returns the existing job for a used idempotency key, in any state', async () => {
      const first = await queue.enqueue(name, { n: 1 }, { idempotencyKey: 'prg_1' });
      const again = await queue.enqueue(name, { n: 2 }, { idempotencyKey: 'prg_1' });
      expect(again).toEqual({ jobId: first.jobId, created: false });
      const job = (await claimBy('worker-a'))!;
      expect(job.payload).toEqual({ n: 1 });
      await queue.complete(job, { done: true });
      expect(await queue.enqueue(name, { n: 3 }, { idempotencyKey: 'prg_1' })).toEqual({ jobId: first.jobId, created: false });
      expect(await claimBy('worker-a')).toBeUndefined();
      const other = await queue.enqueue(name, { n: 4 }, { idempotencyKey: 'prg_2' });
      expect(other.created).toBe(true);
      expect(await queue.counts(name)).toEqual({ queued: 1, active: 0, completed: 1, dead: 0 });
    });

    it('retries a failed job after its backoff, then dead-letters it with the reason', async () => {
      const { jobId } = await queue.enqueue(name, { n: 1 }, { maxAttempts: 2, backoffMs: harness.backoffMs });
      const first = (await claimBy('worker-a'))!;
      expect(await queue.fail(first, 'evaluator crashed: exit 3')).toBe('retrying');
      expect(await queue.get(name, jobId)).toMatchObject({ state: 'queued', lastError: expect.stringContaining('evaluator crashed: exit 3') });
      await harness.passTime(harness.backoffMs);
      const second = await eventually(() => claimBy('worker-b'), 30_000, 'the retry to become due');
      expect(second).toMatchObject({ jobId, attempt: 2, previousError: expect.stringContaining('evaluator crashed: exit 3') });
      expect(second.token).not.toBe(first.token);
      expect(await queue.fail(second, 'evaluator crashed: exit 4')).toBe('dead');
      const dead = await queue.get(name, jobId);
      expect(dead).toMatchObject({ state: 'dead', attempts: 2, lastError: expect.stringContaining('evaluator crashed: exit 4') });
      await harness.passTime(harness.backoffMs);
      expect(await claimBy('worker-c')).toBeUndefined();
      expect(await queue.counts(name)).toEqual({ queued: 0, active: 0, completed: 0, dead: 1 });
    });

    it('does not hand out a retry before its backoff', async () => {
      await queue.enqueue(name, { n: 1 }, { maxAttempts: 3, backoffMs: 3_600_000 });
      const first = (await claimBy('worker-a'))!;
      expect(await queue.fail(first, 'flaky')).toBe('retrying');
      expect(await claimBy('worker-b')).toBeUndefined();
    });

    it('dead-letters at once a failure marked permanent', async () => {
      const { jobId } = await queue.enqueue(name, { n: 1 }, { maxAttempts: 5 });
      const job = (await claimBy('worker-a'))!;
      expect(await queue.fail(job, 'the problem snapshot is missing', { permanent: true })).toBe('dead');
      expect(await queue.get(name, jobId)).toMatchObject({ state: 'dead', attempts: 1, lastError: expect.stringContaining('the problem snapshot is missing') });
    });

    it('gives the job of a worker that stopped heartbeating to the next claimant, and refuses the late result', async () => {
      const { jobId } = await queue.enqueue(name, { n: 1 }, { maxAttempts: 3, backoffMs: harness.backoffMs });
      const stalled = (await claimBy('worker-a'))!;
      await harness.passTime(harness.leaseMs + harness.backoffMs);
      const taken = await eventually(() => claimBy('worker-b'), 60_000, 'the expired lease to be taken over');
      expect(taken).toMatchObject({ jobId, attempt: 2 });
      expect(taken.previousError).toMatch(/lease|heartbeat|expired/i);
      // The stalled worker wakes up and reports: its claim no longer holds, nothing is recorded.
      expect(await queue.heartbeat(stalled, harness.leaseMs)).toBe(false);
      expect(await queue.complete(stalled, { score: -1 })).toBe(false);
      expect(await queue.complete(taken, { score: 5 })).toBe(true);
      expect(await queue.get(name, jobId)).toMatchObject({ state: 'completed', result: { score: 5 }, workerId: 'worker-b' });
    });

    it('keeps a heartbeating worker’s job from everyone else', async () => {
      const { jobId } = await queue.enqueue(name, { n: 1 });
      const job = (await claimBy('worker-a'))!;
      if (harness.controlsTime) {
        for (let beat = 0; beat < 5; beat += 1) {
          await harness.passTime(Math.floor(harness.leaseMs / 2));
          expect(await queue.heartbeat(job, harness.leaseMs)).toBe(true);
          expect(await claimBy('worker-b')).toBeUndefined();
        }
      } else {
        // Real time: beat far more often than the lease needs, for twice the lease.
        const until = Date.now() + 2 * harness.leaseMs;
        while (Date.now() < until) {
          expect(await queue.heartbeat(job, harness.leaseMs)).toBe(true);
          expect(await claimBy('worker-b')).toBeUndefined();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect(await queue.complete(job, { ok: true })).toBe(true);
      expect(await queue.get(name, jobId)).toMatchObject({ state: 'completed', attempts: 1 });
    });

    it('dead-letters a job whose every worker dies, with the reason, instead of looping', async () => {
      const { jobId } = await queue.enqueue(name, { poison: true }, { maxAttempts: 2, backoffMs: harness.backoffMs });
      expect(await claimBy('worker-a')).toBeDefined();
      await harness.passTime(harness.leaseMs + harness.backoffMs);
      const second = await eventually(() => claimBy('worker-b'), 60_000, 'the first expired lease to be taken over');
      expect(second.attempt).toBe(2);
      await harness.passTime(harness.leaseMs + harness.backoffMs);
      const dead = await eventually(
        async () => {
          await claimBy('worker-c');
          const job = await queue.get(name, jobId);
          return job?.state === 'dead' ? job : undefined;
        },
        60_000,
        'the poison job to be dead-lettered',
      );
      expect(dead.attempts).toBe(2);
      expect(dead.lastError).toMatch(/lease|heartbeat|expired/i);
      expect(await queue.counts(name)).toEqual({ queued: 0, active: 0, completed: 0, dead: 1 });
    });

    it('never gives one job to two claimants on the same data', async () => {
      const another = await harness.openAnother();
      const total = 30;
      for (let index = 0; index < total; index += 1) await queue.enqueue(name, { index });
      const claimed: ClaimedJob[] = [];
      const drain = async (on: JobQueue, workerId: string): Promise<void> => {
        for (;;) {
          const job = await claimBy(workerId, on);
          if (job === undefined) return;
          claimed.push(job);
        }
      };
      await Promise.all([drain(queue, 'worker-a'), drain(another, 'worker-b'), drain(queue, 'worker-c'), drain(another, 'worker-d')]);
      const ids = claimed.map((job) => job.jobId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(total);
      expect(claimed.map((job) => job.payload['index']).sort((a, b) => Number(a) - Number(b))).toEqual([...Array(total).keys()]);
    });

    it('lists jobs oldest first, by state', async () => {
      const first = await queue.enqueue(name, { n: 1 });
      const second = await queue.enqueue(name, { n: 2 });
      const third = await queue.enqueue(name, { n: 3 });
      const claimed = (await claimBy('worker-a'))!;
      expect(claimed.jobId).toBe(first.jobId);
      expect((await queue.list(name)).map((job) => job.id)).toEqual([first.jobId, second.jobId, third.jobId]);
      expect((await queue.list(name, { state: 'active' })).map((job) => [job.id, job.workerId])).toEqual([[first.jobId, 'worker-a']]);
      expect((await queue.list(name, { state: 'queued', limit: 1 })).map((job) => job.id)).toEqual([second.jobId]);
    });

    it('gives an overview: jobs per state and when the oldest queued job was enqueued', async () => {
      expect(await queue.overview(name)).toEqual({ counts: { queued: 0, active: 0, completed: 0, dead: 0 }, oldestQueuedAt: null });
      const first = await queue.enqueue(name, { n: 1 });
      await queue.enqueue(name, { n: 2 });
      await harness.passTime(5);
      const third = await queue.enqueue(name, { n: 3 });
      const claimed = (await claimBy('worker-a'))!;
      expect(await queue.complete(claimed, { ok: true })).toBe(true);
      await claimBy('worker-a');
      const overview = await queue.overview(name);
      expect(overview.counts).toEqual({ queued: 1, active: 1, completed: 1, dead: 0 });
      // The third is the one still queued: its enqueue time, not the first's, which was taken.
      const [firstCreated, thirdCreated] = [(await queue.get(name, first.jobId))!.createdAt, (await queue.get(name, third.jobId))!.createdAt];
      expect(overview.oldestQueuedAt).toBe(thirdCreated);
      expect(thirdCreated).toBeGreaterThan(firstCreated);
    });

    it('answers get for an unknown job with undefined, and check() proves the queue usable', async () => {
      expect(await queue.get(name, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
      await expect(queue.check()).resolves.toBeUndefined();
    });
  });
}
