import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../../core/clock.ts';
import { LamarckError } from '../../core/errors.ts';
import { isJsonObject, type JsonValue } from '../../core/json.ts';
import type { Store } from '../../store/types.ts';
import { checkpointScope } from './checkpoint.ts';

/**
 * One process at a time works on a run. The holder writes a lease (owner, pid, host, heartbeat
 * time) into the run's state and renews it every few seconds; a second process that finds a fresh
 * lease is refused. A lease whose heartbeat is older than its time to live, or whose holder is a
 * process on this host that no longer exists (a `kill -9`), is stale and taken over.
 *
 * The store offers no compare-and-set on state, so two claims at the same instant could both be
 * written: each claimant reads its claim back after a short pause, and every heartbeat checks
 * that the lease is still its own, so the loser learns within one heartbeat and stops.
 */
export interface LeaseRecord {
  owner: string;
  pid: number;
  host: string;
  acquiredAt: number;
  heartbeatAt: number;
  timeToLiveMs: number;
}

export interface LeaseOptions {
  store: Store;
  runId: string;
  clock?: Clock;
  /** A lease not renewed for this long is stale. */
  timeToLiveMs?: number;
  /** How often the holder renews it (default a third of the time to live). */
  heartbeatMs?: number;
  /** Pause before reading a fresh claim back (lets a simultaneous claim land first). */
  settleMs?: number;
  /** Called once if another process takes the lease over (this one should stop). */
  onLost?: (holder: LeaseRecord) => void;
  /** Whether a process of this host is alive (replaceable in tests). */
  isAlive?: (pid: number) => boolean;
  pid?: number;
  host?: string;
}

export class RunLeaseHeldError extends LamarckError {
  constructor(runId: string, holder: LeaseRecord, ageMs: number) {
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

const leaseKey = 'lease';

export class RunLease {
  readonly record: LeaseRecord;
  private readonly options: LeaseOptions;
  private readonly clock: Clock;
  private timer: ReturnType<typeof setInterval> | undefined;
  private beating: Promise<void> | undefined;
  private lost = false;

  private constructor(options: LeaseOptions, record: LeaseRecord) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.record = record;
  }

  /** Takes the run's lease, or throws RunLeaseHeldError while another live process holds it. */
  static async acquire(options: LeaseOptions): Promise<RunLease> {
    const clock = options.clock ?? systemClock;
    const timeToLiveMs = options.timeToLiveMs ?? 30_000;
    const pid = options.pid ?? process.pid;
    const host = options.host ?? hostname();
    const current = await readLease(options.store, options.runId);
    if (current !== undefined && !isStale(current, clock.now(), host, options.isAlive ?? processIsAlive)) {
      throw new RunLeaseHeldError(options.runId, current, clock.now() - current.heartbeatAt);
    }
    const now = clock.now();
    const record: LeaseRecord = { owner: `${host}:${pid}:${randomUUID()}`, pid, host, acquiredAt: now, heartbeatAt: now, timeToLiveMs };
    await writeLease(options.store, options.runId, record);
    await clock.sleep(options.settleMs ?? 50);
    const confirmed = await readLease(options.store, options.runId);
    if (confirmed?.owner !== record.owner) {
      const holder = confirmed ?? record;
      throw new RunLeaseHeldError(options.runId, holder, clock.now() - holder.heartbeatAt);
    }
    const lease = new RunLease(options, record);
    lease.start(options.heartbeatMs ?? Math.max(10, Math.floor(timeToLiveMs / 3)));
    return lease;
  }

  /** Stops renewing and clears the lease if it is still this process's. */
  async release(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    if (this.lost) return;
    const current = await readLease(this.options.store, this.options.runId);
    if (current?.owner === this.record.owner) await this.options.store.putState(checkpointScope(this.options.runId), leaseKey, null);
  }

  private start(heartbeatMs: number): void {
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => {
        this.beating = undefined;
      });
    }, heartbeatMs);
    // The heartbeat alone must not keep a process alive.
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      const current = await readLease(this.options.store, this.options.runId);
      if (current !== undefined && current.owner !== this.record.owner) {
        this.lost = true;
        if (this.timer !== undefined) clearInterval(this.timer);
        this.timer = undefined;
        this.options.onLost?.(current);
        return;
      }
      this.record.heartbeatAt = this.clock.now();
      await writeLease(this.options.store, this.options.runId, this.record);
    } catch {
      // A store that is closing or briefly busy: the next beat tries again; staleness takes a full time to live.
    }
  }
}

export async function readLease(store: Store, runId: string): Promise<LeaseRecord | undefined> {
  const value = await store.getState(checkpointScope(runId), leaseKey);
  if (!isJsonObject(value)) return undefined;
  const { owner, pid, host, acquiredAt, heartbeatAt, timeToLiveMs } = value;
  if (typeof owner !== 'string' || typeof pid !== 'number' || typeof host !== 'string') return undefined;
  if (typeof acquiredAt !== 'number' || typeof heartbeatAt !== 'number' || typeof timeToLiveMs !== 'number') return undefined;
  return { owner, pid, host, acquiredAt, heartbeatAt, timeToLiveMs };
}

async function writeLease(store: Store, runId: string, record: LeaseRecord): Promise<void> {
  await store.putState(checkpointScope(runId), leaseKey, { ...record } as unknown as JsonValue);
}

function isStale(lease: LeaseRecord, now: number, host: string, isAlive: (pid: number) => boolean): boolean {
  if (now - lease.heartbeatAt >= lease.timeToLiveMs) return true;
  return lease.host === host && !isAlive(lease.pid);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
