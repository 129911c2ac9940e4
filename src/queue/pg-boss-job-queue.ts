import { createHash } from 'node:crypto';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { StoreError } from '../core/errors.ts';
import type { JsonObject } from '../core/json.ts';
import {
  defaultBackoffMs,
  defaultMaxAttempts,
  defaultMaxBackoffMs,
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
import { definedOnly } from '../core/defined-only.ts';

export interface PgBossJobQueueOptions {
  /** The PostgreSQL URL, with its password (never shown: `location` is given separately). */
  connectionString: string;
  /** What `location` shows: the URL without its password. */
  displayLocation: string;
  /** pg-boss's own schema. Default `pgboss`. */
  schema?: string;
  /** The schema of our table of who claimed which attempt. Default `lamarck_queue`. */
  claimsSchema?: string;
  /**
   * The lease: a job whose worker sends no heartbeat for this long is failed by pg-boss's supervisor
   * and retried or dead-lettered. pg-boss fixes it per job when the job is sent, and needs at least
   * 10 s, so `claim`'s `leaseMs` does not change it. Default 30 s.
   */
  leaseSeconds?: number;
  /** How often this process's supervisor looks for lost heartbeats. Default 5 s. */
  superviseIntervalSeconds?: number;
  /**
   * False for a process that only looks at the queue (`doctor`): no supervisor of its own.
   * Default true: every coordinator and worker supervises, so lost heartbeats are found while any
   * of them runs.
   */
  supervise?: boolean;
  poolSize?: number;
}

/** pg-boss's job states, as the contract's. A cancelled job was dead-lettered at once (a permanent failure). */
const stateOf: Record<string, JobState> = { created: 'queued', retry: 'queued', active: 'active', completed: 'completed', failed: 'dead', cancelled: 'dead' };

/** Every job may run at most this long in all, heartbeats or not (pg-boss caps expiry at 24 h). */
const maximumRunSeconds = 6 * 60 * 60;

/**
 * The job queue on PostgreSQL, by pg-boss 12: sending, fetching with SKIP LOCKED, heartbeats
 * (`touch`), retries with exponential backoff and the supervisor that fails jobs whose heartbeat
 * stopped are all pg-boss's. A claim is pg-boss's own attempt fence (job id and retry count), so a
 * worker whose job was retried elsewhere cannot complete or fail it. The idempotency key becomes the
 * job's id (a UUID derived from queue and key), so a second send of the key inserts nothing.
 * Who claimed which attempt is kept in a small table of ours (`lamarck_queue.job_claims`), since
 * pg-boss does not record workers.
 */
export class PgBossJobQueue implements JobQueue {
  readonly kind = 'pg-boss';
  readonly location: string;
  /** The lease of every job this process sends (pg-boss's heartbeatSeconds). */
  readonly #leaseSeconds: number;
  readonly #boss: PgBoss;
  readonly #pool: pg.Pool;
  readonly #schema: string;
  /** `<claims schema>.job_claims`, quoted. */
  readonly #claims: string;
  readonly #queues = new Set<string>();

  private constructor(boss: PgBoss, pool: pg.Pool, options: PgBossJobQueueOptions, leaseSeconds: number) {
    this.#boss = boss;
    this.#pool = pool;
    this.#schema = options.schema ?? 'pgboss';
    this.#claims = `${quoteIdentifier(options.claimsSchema ?? 'lamarck_queue')}.job_claims`;
    this.location = options.displayLocation;
    this.#leaseSeconds = leaseSeconds;
  }

  static async open(options: PgBossJobQueueOptions): Promise<PgBossJobQueue> {
    const leaseSeconds = Math.max(10, Math.ceil(options.leaseSeconds ?? 30));
    const boss = new PgBoss({
      connectionString: options.connectionString,
      schema: options.schema ?? 'pgboss',
      max: options.poolSize ?? 4,
      application_name: 'lamarck-queue',
      supervise: options.supervise ?? true,
      // Lost heartbeats are found by the monitor pass, which runs at the slower of these two.
      superviseIntervalSeconds: options.superviseIntervalSeconds ?? 5,
      monitorIntervalSeconds: options.superviseIntervalSeconds ?? 5,
      schedule: false,
      registerInstance: false,
    });
    // pg-boss reports background failures (a lost connection) as events; unheard, they would end the process.
    boss.on('error', () => undefined);
    const pool = new pg.Pool({ connectionString: options.connectionString, max: 2, application_name: 'lamarck-queue' });
    pool.on('error', () => undefined);
    try {
      await boss.start();
      const claimsSchema = quoteIdentifier(options.claimsSchema ?? 'lamarck_queue');
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${claimsSchema}`);
      await pool.query(
        `CREATE TABLE IF NOT EXISTS ${claimsSchema}.job_claims (
           job_id uuid NOT NULL, attempt integer NOT NULL, worker_id text NOT NULL, claimed_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (job_id, attempt))`,
      );
    } catch (error) {
      await boss.stop({ graceful: false }).catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw new StoreError(`cannot open the pg-boss job queue at ${options.displayLocation}: ${(error as Error).message}`, { cause: error });
    }
    return new PgBossJobQueue(boss, pool, options, leaseSeconds);
  }

  async enqueue(queue: string, payload: JsonObject, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    await this.#ensureQueue(queue);
    const key = options.idempotencyKey;
    const jobId = key === undefined ? undefined : uuidFromKey(queue, key);
    const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? defaultMaxAttempts));
    const backoffMs = Math.max(0, options.backoffMs ?? defaultBackoffMs);
    const sent = await this.#boss.send(queue, payload, {
      // A job with an idempotency key gets an id derived from it, so a second send finds the first.
      ...definedOnly({ id: jobId, singletonKey: key }),
      retryLimit: maxAttempts - 1,
      retryDelay: Math.max(1, Math.ceil(backoffMs / 1000)),
      retryBackoff: true,
      retryDelayMax: Math.max(1, Math.ceil((options.maxBackoffMs ?? defaultMaxBackoffMs) / 1000)),
      heartbeatSeconds: this.#leaseSeconds,
      expireInSeconds: maximumRunSeconds,
      deleteAfterSeconds: 0,
    });
    if (sent !== null) return { jobId: sent, created: true };
    if (jobId !== undefined) return { jobId, created: false };
    throw new StoreError(`pg-boss refused a job for queue ${queue}`);
  }

  async claim(queue: string, options: ClaimOptions): Promise<ClaimedJob | undefined> {
    await this.#ensureQueue(queue);
    const [job] = await this.#boss.fetch<JsonObject>(queue, { batchSize: 1, includeMetadata: true });
    if (job === undefined) return undefined;
    const attempt = job.retryCount + 1;
    await this.#pool.query(`INSERT INTO ${this.#claims} (job_id, attempt, worker_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [job.id, attempt, options.workerId]);
    return {
      queue,
      jobId: job.id,
      token: String(job.retryCount),
      payload: job.data,
      attempt,
      maxAttempts: job.retryLimit + 1,
      previousError: job.retryCount > 0 ? messageOf(job.output) : null,
      // The lease was fixed when the job was sent, by whoever sent it: the claim holds that one.
      leaseMs: (job.heartbeatSeconds ?? this.#leaseSeconds) * 1000,
    };
  }

  async heartbeat(claim: JobClaim, _leaseMs: number): Promise<boolean> {
    const attempt = attemptOf(claim);
    return attempt !== undefined && affected(await this.#boss.touch(claim.queue, attempt)) === 1;
  }

  async complete(claim: JobClaim, result: JsonObject): Promise<boolean> {
    const attempt = attemptOf(claim);
    return attempt !== undefined && affected(await this.#boss.complete(claim.queue, attempt, result)) === 1;
  }

  async fail(claim: JobClaim, reason: string, options: { permanent?: boolean } = {}): Promise<FailOutcome> {
    const attempt = attemptOf(claim);
    if (attempt === undefined || affected(await this.#boss.fail(claim.queue, attempt, { message: reason })) !== 1) return 'lost';
    const job = await this.#find(claim.queue, claim.jobId);
    if (options.permanent === true && job?.state === 'retry') {
      // pg-boss has no "fail for good" for a fetched job; cancelling the pending retry is that.
      await this.#boss.cancel(claim.queue, claim.jobId);
      return 'dead';
    }
    return job?.state === 'retry' ? 'retrying' : 'dead';
  }

  async get(queue: string, jobId: string): Promise<JobRecord | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(jobId)) return undefined;
    await this.#ensureQueue(queue);
    const job = await this.#find(queue, jobId);
    if (job === undefined) return undefined;
    return (await this.#withClaims([job]))[0];
  }

  async list(queue: string, options: { state?: JobState; limit?: number } = {}): Promise<JobRecord[]> {
    await this.#ensureQueue(queue);
    const jobs = (await this.#boss.findJobs<JsonObject>(queue, { limit: 100_000 })).filter((job) => options.state === undefined || stateOf[job.state] === options.state);
    return this.#withClaims(options.limit === undefined ? jobs : jobs.slice(0, options.limit));
  }

  async counts(queue: string): Promise<JobCounts> {
    const counts: JobCounts = { queued: 0, active: 0, completed: 0, dead: 0 };
    const rows = await this.#pool.query(`SELECT state::text AS state, count(*)::int AS n FROM ${quoteIdentifier(this.#schema)}.job WHERE name = $1 GROUP BY state`, [queue]);
    for (const row of rows.rows as Array<{ state: string; n: number }>) {
      const state = stateOf[row.state];
      if (state !== undefined) counts[state] += row.n;
    }
    return counts;
  }

  async overview(queue: string): Promise<QueueOverview> {
    const counts = await this.counts(queue);
    const rows = await this.#pool.query(
      `SELECT min(created_on) AS oldest FROM ${quoteIdentifier(this.#schema)}.job WHERE name = $1 AND state IN ('created', 'retry')`,
      [queue],
    );
    const oldest = (rows.rows[0] as { oldest: Date | null } | undefined)?.oldest ?? null;
    return { counts, oldestQueuedAt: oldest === null ? null : oldest.getTime() };
  }

  async check(): Promise<void> {
    await this.#pool.query(`SELECT count(*) FROM ${quoteIdentifier(this.#schema)}.job WHERE false`);
  }

  async close(): Promise<void> {
    await this.#boss.stop({ graceful: false, close: true }).catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
  }

  async #find(queue: string, jobId: string) {
    const [job] = await this.#boss.findJobs<JsonObject>(queue, { id: jobId });
    return job;
  }

  async #withClaims(jobs: Awaited<ReturnType<PgBoss['findJobs']>>): Promise<JobRecord[]> {
    if (jobs.length === 0) return [];
    const claims = await this.#pool.query(
      `SELECT DISTINCT ON (job_id) job_id::text AS job_id, worker_id, claimed_at FROM ${this.#claims} WHERE job_id = ANY($1::uuid[]) ORDER BY job_id, attempt DESC`,
      [jobs.map((job) => job.id)],
    );
    const latest = new Map((claims.rows as Array<{ job_id: string; worker_id: string; claimed_at: Date }>).map((row) => [row.job_id, row]));
    return jobs.map((job) => {
      const state = stateOf[job.state] ?? 'dead';
      const output = (job.output ?? null) as JsonObject | null;
      const started = job.startedOn !== null && job.startedOn !== undefined;
      return {
        id: job.id,
        queue: job.name,
        state,
        payload: job.data as JsonObject,
        idempotencyKey: job.singletonKey,
        attempts: state === 'queued' ? job.retryCount + (started ? 1 : 0) : job.retryCount + 1,
        maxAttempts: job.retryLimit + 1,
        result: state === 'completed' ? output : null,
        lastError: state === 'completed' ? null : messageOf(output),
        workerId: latest.get(job.id)?.worker_id ?? null,
        createdAt: new Date(job.createdOn).getTime(),
        claimedAt: latest.get(job.id)?.claimed_at.getTime() ?? null,
        finishedAt: job.completedOn === null ? null : new Date(job.completedOn).getTime(),
      };
    });
  }

  async #ensureQueue(queue: string): Promise<void> {
    if (this.#queues.has(queue)) return;
    if ((await this.#boss.getQueue(queue)) === null) {
      // Another process may create it between the look and the create; either way it then exists.
      await this.#boss.createQueue(queue).catch(async (error: unknown) => {
        if ((await this.#boss.getQueue(queue)) === null) throw error;
      });
    }
    this.#queues.add(queue);
  }
}

/** pg-boss's attempt fence for a claim; undefined for a token no claim of ours could have (then nothing matches). */
function attemptOf(claim: JobClaim): { id: string; retryCount: number } | undefined {
  return /^\d+$/.test(claim.token) && /^[0-9a-f-]{36}$/i.test(claim.jobId) ? { id: claim.jobId, retryCount: Number(claim.token) } : undefined;
}

function affected(response: unknown): number {
  return Number((response as { affected?: unknown }).affected ?? 0);
}

/** The failure text pg-boss stored: ours (`{ message }`), or its supervisor's (`{ value: { message } }`). */
function messageOf(output: unknown): string | null {
  if (output === null || typeof output !== 'object') return null;
  const record = output as Record<string, unknown>;
  if (typeof record['message'] === 'string') return record['message'];
  const value = record['value'];
  if (value !== null && typeof value === 'object' && typeof (value as Record<string, unknown>)['message'] === 'string') {
    const message = (value as Record<string, string>)['message']!;
    return /heartbeat/.test(message) ? `lease expired: ${message} (the worker stopped heartbeating)` : message;
  }
  return null;
}

/** A UUID made from the queue and the key, so the same key always names the same job. */
function uuidFromKey(queue: string, key: string): string {
  const hex = createHash('sha256').update(`${queue}\0${key}`).digest('hex');
  // Version 8 (custom) and the RFC 4122 variant, so PostgreSQL's uuid type takes it as any other.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
