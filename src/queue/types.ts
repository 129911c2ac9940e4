import type { JsonObject } from '../core/json.ts';

/**
 * The job queue contract: what the coordinator and the workers of `evolve --workers external` use,
 * and what every implementation (the job table in the embedded SQLite store, pg-boss on
 * PostgreSQL) passes in test/queue/conformance.ts.
 *
 * A job moves `queued` → `active` (claimed, under a lease) → `completed`, or back to `queued`
 * with a backoff when it fails or its lease runs out, until its attempts are spent: then `dead`,
 * with the reason. A lease is kept alive by heartbeats; a worker that stops heartbeating (killed
 * with `kill -9`) loses the job to the next claim once the lease expires. Every call on a claimed
 * job names the claim it holds, so a worker whose lease was taken over cannot complete or fail the
 * job under the new holder: the first completion is the only one.
 */
export interface JobQueue {
  /** `sqlite` or `pg-boss`: what `doctor` and the worker's banner show. */
  readonly kind: string;
  /** Where the jobs live, without credentials. */
  readonly location: string;

  /**
   * Adds a job. With an idempotency key already used in this queue, nothing is added and the
   * existing job is returned (`created: false`), whatever state it is in.
   */
  enqueue(queue: string, payload: JsonObject, options?: EnqueueOptions): Promise<EnqueueResult>;
  /**
   * Takes the oldest job that is due, under a lease of `leaseMs` (or the job's own lease where the
   * implementation fixes it when the job is sent: the claim says which); undefined when none is due.
   */
  claim(queue: string, options: ClaimOptions): Promise<ClaimedJob | undefined>;
  /** Extends the lease; false when the claim no longer holds (expired and taken over, or finished). */
  heartbeat(claim: JobClaim, leaseMs: number): Promise<boolean>;
  /** Records the result; false when the claim no longer holds, and then nothing is recorded. */
  complete(claim: JobClaim, result: JsonObject): Promise<boolean>;
  /**
   * Records a failed attempt: retried after a backoff while attempts remain (`retrying`), else
   * dead-lettered with `reason` (`dead`); `permanent` dead-letters at once. `lost` when the claim
   * no longer holds.
   */
  fail(claim: JobClaim, reason: string, options?: { permanent?: boolean }): Promise<FailOutcome>;
  /** One job as stored now; undefined when there is none with this id. */
  get(queue: string, jobId: string): Promise<JobRecord | undefined>;
  /** Jobs of a queue, oldest first, optionally in one state: for diagnosis, tests and benchmarks. */
  list(queue: string, options?: { state?: JobState; limit?: number }): Promise<JobRecord[]>;
  /** Jobs per state, for `doctor`, `lamarck runs` and the benchmarks. */
  counts(queue: string): Promise<JobCounts>;
  /** Jobs per state and the oldest job still waiting for a worker: what `doctor` shows of a queue. */
  overview(queue: string): Promise<QueueOverview>;
  /** A cheap round trip that proves the queue can be used; throws with the cause when not. */
  check(): Promise<void>;
  close(): Promise<void>;
}

export type JobState = 'queued' | 'active' | 'completed' | 'dead';

export interface EnqueueOptions {
  /** At most one job per key and queue, ever (the candidate id for evaluations). */
  idempotencyKey?: string;
  /** Attempts before the job is dead-lettered, the first included. Default 3. */
  maxAttempts?: number;
  /** Delay before the first retry; doubled for each later one (capped at `maxBackoffMs`). Default 1,000 ms. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface EnqueueResult {
  jobId: string;
  created: boolean;
}

export interface ClaimOptions {
  /** Who holds the claim (a worker id), recorded on the job for `lamarck runs` and for diagnosis. */
  workerId: string;
  /** The lease asked for; pg-boss fixes the lease per job when it is sent and ignores this. */
  leaseMs: number;
}

/** What names one claim of a job: a lost lease makes every later call with it a no-op. */
export interface JobClaim {
  queue: string;
  jobId: string;
  /** Unique per claim; a retried job is claimed under a new token. */
  token: string;
}

export interface ClaimedJob extends JobClaim {
  payload: JsonObject;
  /** 1 on the first claim. */
  attempt: number;
  maxAttempts: number;
  /** Why the previous attempt ended, when there was one (a failure reason or an expired lease). */
  previousError: string | null;
  /**
   * The lease this claim holds: what was asked for, or what the job itself carries when the
   * implementation fixes the lease per job (pg-boss). A worker heartbeats by this, never by a
   * setting of its own, so a lease chosen by the coordinator cannot run out between beats.
   */
  leaseMs: number;
}

export type FailOutcome = 'retrying' | 'dead' | 'lost';

export interface JobRecord {
  id: string;
  queue: string;
  state: JobState;
  payload: JsonObject;
  idempotencyKey: string | null;
  attempts: number;
  maxAttempts: number;
  /** Set once the job completes. */
  result: JsonObject | null;
  /** The last failure, and for a dead job the reason it was dead-lettered. */
  lastError: string | null;
  workerId: string | null;
  createdAt: number;
  /** When the latest claim began and when the job completed or died (ms since the epoch). */
  claimedAt: number | null;
  finishedAt: number | null;
}

export interface JobCounts {
  queued: number;
  active: number;
  completed: number;
  dead: number;
}

export interface QueueOverview {
  counts: JobCounts;
  /** When the oldest queued job (due or waiting out a backoff) was enqueued; null when none is queued. */
  oldestQueuedAt: number | null;
}

export const defaultMaxAttempts = 3;
export const defaultBackoffMs = 1000;
export const defaultMaxBackoffMs = 60_000;

/** The delay before retry number `retry` (1 for the first retry): doubled each time, capped. */
export function retryDelayMs(retry: number, backoffMs: number, maxBackoffMs: number): number {
  return Math.min(maxBackoffMs, backoffMs * 2 ** Math.max(0, Math.min(20, retry - 1)));
}
