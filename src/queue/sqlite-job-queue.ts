import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../core/json.ts';
import { limitOrAll, toJsonText } from '../store/sqlite/columns.ts';
import { SqliteConnection } from '../store/sqlite/connection.ts';
import { isConstraintFailure, toStoreError } from '../store/sqlite/errors.ts';
import { jobRecordFromRow } from './sqlite/job-rows.ts';
import { applyQueueMigrations } from './sqlite/job-table-migrations.ts';
import {
  defaultBackoffMs,
  defaultMaxAttempts,
  defaultMaxBackoffMs,
  retryDelayMs,
  type ClaimedJob,
  type ClaimOptions,
  type EnqueueOptions,
  type EnqueueResult,
  type FailOutcome,
  type JobClaim,
  type JobCounts,
  type JobQueue,
  type JobRecord,
  type JobState,
  type QueueOverview,
} from './types.ts';

export interface SqliteJobQueueOptions {
  /** The store's SQLite file (the job table lives beside the store's tables), or `:memory:`. */
  path: string;
  busyTimeoutMs?: number;
  /** Source of time for every lease and backoff decision (tests pass a fake clock). */
  now?: () => number;
}

/**
 * The job queue in the embedded SQLite store: one table, every state change a single statement or
 * a BEGIN IMMEDIATE transaction, so two worker processes on one file never claim the same job
 * (the second waits for the first's write lock and then sees the job taken). Leases are decided
 * only by the times recorded in the table against `now`, never by a timer in some process.
 */
export class SqliteJobQueue implements JobQueue {
  readonly kind = 'sqlite';
  readonly location: string;
  readonly #connection: SqliteConnection;
  readonly #now: () => number;

  private constructor(connection: SqliteConnection, now: () => number) {
    this.#connection = connection;
    this.location = connection.location;
    this.#now = now;
  }

  static open(options: SqliteJobQueueOptions): SqliteJobQueue {
    const now = options.now ?? Date.now;
    let connection: SqliteConnection | undefined;
    try {
      connection = new SqliteConnection(options.path, { busyTimeoutMs: options.busyTimeoutMs ?? 10_000 });
      if (options.path !== ':memory:') {
        connection.database.exec('PRAGMA journal_mode = WAL');
        connection.database.exec('PRAGMA synchronous = NORMAL');
      }
      applyQueueMigrations(connection, now());
      return new SqliteJobQueue(connection, now);
    } catch (error) {
      connection?.close();
      throw toStoreError(error, `open the job queue in ${options.path}`);
    }
  }

  async enqueue(queue: string, payload: JsonObject, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    return this.#guard('enqueue a job', () => {
      const key = options.idempotencyKey ?? null;
      const existing = key === null ? undefined : this.#idOfKey(queue, key);
      if (existing !== undefined) return { jobId: existing, created: false };
      const jobId = randomUUID();
      const now = this.#now();
      try {
        this.#connection
          .statement(
            `INSERT INTO queue_jobs (id, queue, state, payload, idempotency_key, attempts, max_attempts, backoff_ms, max_backoff_ms, available_at, created_at)
             VALUES (?, ?, 'queued', ?, ?, 0, ?, ?, ?, ?, ?)`,
          )
          .run(
            jobId,
            queue,
            toJsonText(payload),
            key,
            Math.max(1, Math.floor(options.maxAttempts ?? defaultMaxAttempts)),
            Math.max(0, Math.floor(options.backoffMs ?? defaultBackoffMs)),
            Math.max(0, Math.floor(options.maxBackoffMs ?? defaultMaxBackoffMs)),
            now,
            now,
          );
      } catch (error) {
        // Another process enqueued the same key between the look-up and the insert: theirs stands.
        if (key !== null && isConstraintFailure(error)) {
          const winner = this.#idOfKey(queue, key);
          if (winner !== undefined) return { jobId: winner, created: false };
        }
        throw error;
      }
      return { jobId, created: true };
    });
  }

  async claim(queue: string, options: ClaimOptions): Promise<ClaimedJob | undefined> {
    return this.#guard('claim a job', () =>
      this.#connection.immediate(() => {
        const now = this.#now();
        this.#expireLeases(queue, now);
        const row = this.#connection
          .statement(`SELECT id FROM queue_jobs WHERE queue = ? AND state = 'queued' AND available_at <= ? ORDER BY available_at, rowid LIMIT 1`)
          .get(queue, now);
        if (row === undefined) return undefined;
        const jobId = String(row['id']);
        const token = randomUUID();
        this.#connection
          .statement(
            `UPDATE queue_jobs SET state = 'active', attempts = attempts + 1, lease_token = ?, lease_expires_at = ?, worker_id = ?, claimed_at = ?
             WHERE id = ?`,
          )
          .run(token, now + Math.max(1, options.leaseMs), options.workerId, now, jobId);
        const job = this.#get(jobId)!;
        return { queue, jobId, token, payload: job.payload, attempt: job.attempts, maxAttempts: job.maxAttempts, previousError: job.lastError, leaseMs: Math.max(1, options.leaseMs) };
      }),
    );
  }

  async heartbeat(claim: JobClaim, leaseMs: number): Promise<boolean> {
    return this.#guard('renew a job lease', () => {
      const result = this.#connection
        .statement(`UPDATE queue_jobs SET lease_expires_at = ? WHERE id = ? AND queue = ? AND state = 'active' AND lease_token = ?`)
        .run(this.#now() + Math.max(1, leaseMs), claim.jobId, claim.queue, claim.token);
      return Number(result.changes) === 1;
    });
  }

  async complete(claim: JobClaim, result: JsonObject): Promise<boolean> {
    return this.#guard('complete a job', () => {
      // A lease that ran out but was not yet taken over still holds: the work is done, and no one
      // else has started it again, so the result is the first and only one.
      const changed = this.#connection
        .statement(
          `UPDATE queue_jobs SET state = 'completed', result = ?, lease_token = NULL, lease_expires_at = NULL, finished_at = ?
           WHERE id = ? AND queue = ? AND state = 'active' AND lease_token = ?`,
        )
        .run(toJsonText(result), this.#now(), claim.jobId, claim.queue, claim.token);
      return Number(changed.changes) === 1;
    });
  }

  async fail(claim: JobClaim, reason: string, options: { permanent?: boolean } = {}): Promise<FailOutcome> {
    return this.#guard('fail a job', () =>
      this.#connection.immediate(() => {
        const row = this.#connection
          .statement(`SELECT attempts, max_attempts, backoff_ms, max_backoff_ms FROM queue_jobs WHERE id = ? AND queue = ? AND state = 'active' AND lease_token = ?`)
          .get(claim.jobId, claim.queue, claim.token);
        if (row === undefined) return 'lost';
        const attempts = Number(row['attempts']);
        const now = this.#now();
        if (options.permanent === true || attempts >= Number(row['max_attempts'])) {
          const why = options.permanent === true ? reason : `${reason} (attempt ${attempts} of ${Number(row['max_attempts'])}, no attempts left)`;
          this.#connection
            .statement(`UPDATE queue_jobs SET state = 'dead', last_error = ?, lease_token = NULL, lease_expires_at = NULL, finished_at = ? WHERE id = ?`)
            .run(why, now, claim.jobId);
          return 'dead';
        }
        const delay = retryDelayMs(attempts, Number(row['backoff_ms']), Number(row['max_backoff_ms']));
        this.#connection
          .statement(`UPDATE queue_jobs SET state = 'queued', last_error = ?, lease_token = NULL, lease_expires_at = NULL, available_at = ? WHERE id = ?`)
          .run(reason, now + delay, claim.jobId);
        return 'retrying';
      }),
    );
  }

  async get(queue: string, jobId: string): Promise<JobRecord | undefined> {
    return this.#guard('read a job', () => {
      const job = this.#get(jobId);
      return job?.queue === queue ? job : undefined;
    });
  }

  async list(queue: string, options: { state?: JobState; limit?: number } = {}): Promise<JobRecord[]> {
    return this.#guard('list jobs', () =>
      this.#connection
        .statement('SELECT * FROM queue_jobs WHERE queue = ? AND (? IS NULL OR state = ?) ORDER BY created_at, rowid LIMIT ?')
        .all(queue, options.state ?? null, options.state ?? null, limitOrAll(options.limit))
        .map((row) => jobRecordFromRow(row)),
    );
  }

  async counts(queue: string): Promise<JobCounts> {
    return this.#guard('count jobs', () => {
      const counts: JobCounts = { queued: 0, active: 0, completed: 0, dead: 0 };
      for (const row of this.#connection.statement('SELECT state, count(*) AS n FROM queue_jobs WHERE queue = ? GROUP BY state').all(queue)) {
        counts[String(row['state']) as keyof JobCounts] = Number(row['n']);
      }
      return counts;
    });
  }

  async overview(queue: string): Promise<QueueOverview> {
    const counts = await this.counts(queue);
    return this.#guard('look at the queue', () => {
      const row = this.#connection.statement(`SELECT min(created_at) AS oldest FROM queue_jobs WHERE queue = ? AND state = 'queued'`).get(queue);
      const oldest = row?.['oldest'];
      return { counts, oldestQueuedAt: oldest === null || oldest === undefined ? null : Number(oldest) };
    });
  }

  async check(): Promise<void> {
    this.#guard('check the job queue', () => this.#connection.statement('SELECT count(*) FROM queue_jobs WHERE 0').get());
  }

  async close(): Promise<void> {
    this.#connection.close();
  }

  /**
   * Active jobs whose lease ran out (the worker died or stopped heartbeating) go back to the queue
   * after their backoff (counted from when the lease ran out, a recorded time, not from whoever
   * noticed), or to the dead letters when that was their last attempt: a job that kills
   * every worker that takes it ends there with its reason instead of looping.
   */
  #expireLeases(queue: string, now: number): void {
    const reason = `'lease expired: worker ' || coalesce(worker_id, '?') || ' stopped heartbeating during attempt ' || attempts || ' of ' || max_attempts`;
    this.#connection
      .statement(
        `UPDATE queue_jobs SET state = 'dead', last_error = ${reason} || ', no attempts left', lease_token = NULL, lease_expires_at = NULL, finished_at = ?
         WHERE queue = ? AND state = 'active' AND lease_expires_at <= ? AND attempts >= max_attempts`,
      )
      .run(now, queue, now);
    this.#connection
      .statement(
        `UPDATE queue_jobs SET state = 'queued', last_error = ${reason}, lease_token = NULL, lease_expires_at = NULL,
           available_at = lease_expires_at + min(max_backoff_ms, backoff_ms * (1 << min(20, max(0, attempts - 1))))
         WHERE queue = ? AND state = 'active' AND lease_expires_at <= ?`,
      )
      .run(queue, now);
  }

  #get(jobId: string): JobRecord | undefined {
    const row = this.#connection.statement('SELECT * FROM queue_jobs WHERE id = ?').get(jobId);
    return row === undefined ? undefined : jobRecordFromRow(row);
  }

  #idOfKey(queue: string, key: string): string | undefined {
    const row = this.#connection.statement('SELECT id FROM queue_jobs WHERE queue = ? AND idempotency_key = ?').get(queue, key);
    return row === undefined ? undefined : String(row['id']);
  }

  #guard<T>(action: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }
}
