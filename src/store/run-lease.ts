import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../core/clock.ts';
import { LamarckError } from '../core/errors.ts';
import { isJsonObject, type JsonValue } from '../core/json.ts';
import type { Store } from './types.ts';

/**
 * One process at a time works on a run, whatever its kind (evolve, learn, agent). The holder keeps
 * a lease in the run's state document and renews it every few seconds; a process that finds a live
 * lease is refused. Every write is a compare-and-set (`Store.compareAndSetState`) against the exact
 * lease last read, and every write bumps `revision`, so of two processes claiming the same stale
 * lease exactly one wins, and a holder whose lease was taken over learns it at its next renewal
 * (its compare-and-set fails) and stops.
 *
 * A lease is expired when its heartbeat is older than its time to live, or when its holder is a
 * process of this host that no longer exists (killed with `kill -9`). An expired lease is taken
 * over, and a run still marked `running` under it is shown as `interrupted` (see run-status.ts).
 */
export interface RunLeaseRecord {
  /** Unique per acquisition (`host:pid:uuid`). */
  owner: string;
  pid: number;
  host: string;
  acquiredAt: number;
  heartbeatAt: number;
  timeToLiveMs: number;
  /** Incremented by every write; the compare-and-set token. */
  revision: number;
}

export interface RunLeaseOptions {
  store: Store;
  runId: string;
  clock?: Clock;
  /** A lease not renewed for this long is expired. Default 30 s. */
  timeToLiveMs?: number;
  /** How often the holder renews it (default a third of the time to live). */
  heartbeatMs?: number;
  /** Called once when another process has taken the lease over; the holder should stop its work. */
  onLost?: (holder: RunLeaseRecord | undefined) => void;
  /** Whether a process of this host is alive (replaceable in tests). */
  isAlive?: (pid: number) => boolean;
  pid?: number;
  host?: string;
}

/** Where a run's lease lives: `Store.getState(runLeaseScope, runId)`. */
export const runLeaseScope = 'run-lease';
export const defaultLeaseTimeToLiveMs = 30_000;

export class RunLeaseHeldError extends LamarckError {
  constructor(runId: string, holder: RunLeaseRecord, ageMs: number) {
    super({
      code: 'run-leased',
      fault: 'user',
      message:
        `run ${runId} is being worked on by process ${holder.pid} on ${holder.host} (last heartbeat ${Math.round(ageMs / 1000)} s ago); ` +
        `stop that process first (a lease not renewed for ${Math.round(holder.timeToLiveMs / 1000)} s is taken over)`,
      details: { runId, holder: { ...holder } },
    });
  }
}

/** Claims that kept losing to other writers without ever seeing a live holder: a store that changes under every read. */
const maxClaimAttempts = 8;

export class RunLease {
  private readonly options: RunLeaseOptions;
  private readonly clock: Clock;
  private current: RunLeaseRecord;
  private timer: ReturnType<typeof setInterval> | undefined;
  private beating: Promise<void> | undefined;
  private lostLease = false;

  private constructor(options: RunLeaseOptions, record: RunLeaseRecord) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.current = record;
  }

  get runId(): string {
    return this.options.runId;
  }

  /** The lease as last written by this holder. */
  get record(): Readonly<RunLeaseRecord> {
    return this.current;
  }

  /** True once another process took the lease over. */
  get lost(): boolean {
    return this.lostLease;
  }

  /**
   * Takes the run's lease, or throws RunLeaseHeldError while another live process holds it. The
   * claim is a compare-and-set against the lease just read (absent, expired or unreadable), so two
   * processes that both saw it free cannot both get it.
   */
  static async acquire(options: RunLeaseOptions): Promise<RunLease> {
    const clock = options.clock ?? systemClock;
    const timeToLiveMs = options.timeToLiveMs ?? defaultLeaseTimeToLiveMs;
    const pid = options.pid ?? process.pid;
    const host = options.host ?? hostname();
    const owner = `${host}:${pid}:${randomUUID()}`;
    for (let attempt = 0; attempt < maxClaimAttempts; attempt += 1) {
      const raw = await options.store.getState(runLeaseScope, options.runId);
      const found = parseLease(raw);
      const now = clock.now();
      if (found !== undefined && !leaseExpired(found, now, { host, isAlive: options.isAlive ?? processIsAlive })) {
        throw new RunLeaseHeldError(options.runId, found, now - found.heartbeatAt);
      }
      const record: RunLeaseRecord = { owner, pid, host, acquiredAt: now, heartbeatAt: now, timeToLiveMs, revision: (found?.revision ?? 0) + 1 };
      if (await options.store.compareAndSetState(runLeaseScope, options.runId, raw, toJson(record))) {
        const lease = new RunLease(options, record);
        lease.start(options.heartbeatMs ?? Math.max(10, Math.floor(timeToLiveMs / 3)));
        return lease;
      }
      // Another claim or renewal landed between the read and the write: read again.
    }
    throw new LamarckError({
      code: 'run-lease-contended',
      fault: 'environment',
      message: `could not claim the lease of run ${options.runId}: it changed under ${maxClaimAttempts} claims in a row`,
    });
  }

  /**
   * Renews the lease now: a compare-and-set of a fresh heartbeat against the lease this holder last
   * wrote. Returns false (and calls onLost once) when another process has taken it over.
   */
  async renew(): Promise<boolean> {
    if (this.lostLease) return false;
    const next: RunLeaseRecord = { ...this.current, heartbeatAt: this.clock.now(), revision: this.current.revision + 1 };
    if (await this.options.store.compareAndSetState(runLeaseScope, this.options.runId, toJson(this.current), toJson(next))) {
      this.current = next;
      return true;
    }
    this.markLost(parseLease(await this.options.store.getState(runLeaseScope, this.options.runId)));
    return false;
  }

  /** Stops renewing and removes the lease if it is still this holder's. */
  async release(): Promise<void> {
    this.stop();
    await this.beating;
    if (this.lostLease) return;
    await this.options.store.compareAndSetState(runLeaseScope, this.options.runId, toJson(this.current), undefined);
  }

  private start(heartbeatMs: number): void {
    this.timer = setInterval(() => {
      this.beating ??= this.renew()
        .then(() => undefined)
        // A store that is closing or briefly busy: the next beat tries again; expiry takes a full time to live.
        .catch(() => undefined)
        .finally(() => {
          this.beating = undefined;
        });
    }, heartbeatMs);
    // The heartbeat alone must not keep a process alive.
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private markLost(holder: RunLeaseRecord | undefined): void {
    if (this.lostLease) return;
    this.lostLease = true;
    this.stop();
    this.options.onLost?.(holder);
  }
}

/** The run's lease as stored, or undefined when there is none (or it is unreadable). */
export async function readRunLease(store: Store, runId: string): Promise<RunLeaseRecord | undefined> {
  return parseLease(await store.getState(runLeaseScope, runId));
}

/** Whether a lease no longer protects its run: not renewed within its time to live, or its holder (on this host) is gone. */
export function leaseExpired(lease: RunLeaseRecord, now: number, options: { host?: string; isAlive?: (pid: number) => boolean } = {}): boolean {
  if (now - lease.heartbeatAt >= lease.timeToLiveMs) return true;
  return lease.host === (options.host ?? hostname()) && !(options.isAlive ?? processIsAlive)(lease.pid);
}

export function parseLease(value: JsonValue | undefined): RunLeaseRecord | undefined {
  if (!isJsonObject(value)) return undefined;
  const { owner, pid, host, acquiredAt, heartbeatAt, timeToLiveMs, revision } = value;
  if (typeof owner !== 'string' || typeof pid !== 'number' || typeof host !== 'string') return undefined;
  if (typeof acquiredAt !== 'number' || typeof heartbeatAt !== 'number' || typeof timeToLiveMs !== 'number') return undefined;
  return { owner, pid, host, acquiredAt, heartbeatAt, timeToLiveMs, revision: typeof revision === 'number' ? revision : 0 };
}

function toJson(record: RunLeaseRecord): JsonValue {
  return { ...record };
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
