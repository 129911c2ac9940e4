import { epochNow } from './quickjs-protocol.ts';
import { ownThreadCpuMs } from './thread-cpu-time.ts';

/**
 * A tool call's time, counted the way a busy machine cannot distort: the CPU time its worker thread
 * ran, plus the time it waited on host calls it made (a fetch, a file), which are the tool's own
 * doing too. Time the thread spent waiting for a core is not the tool's: on a loaded 2-core machine
 * a worker at nice +10 gets a small share, and a tool that needed 300 ms of CPU took seconds of
 * wall clock and was reported as `timeout` instead of what it really did (a memory blow-up, a result).
 *
 * The wall clock stays as a backstop (`wallClockMs`, by default ten times the limit), so a tool
 * can never hold its caller for ever, whatever the machine does.
 *
 * Cheap enough for QuickJS's interrupt handler: a thread's CPU time never grows faster than the
 * wall clock, so the CPU clock is read only once the wall clock says the limit could be spent,
 * and after each reading not again until it could be spent at the earliest.
 */
export interface TimeUsage {
  /** CPU time the thread ran during the call. */
  cpuMs: number;
  /** Time the call waited on its host calls. */
  waitedMs: number;
  /** Wall-clock time since the call started. */
  wallMs: number;
}

/** Why a call's time ran out, with the readings that decided it. */
export interface TimeStop {
  /** `limit`: CPU plus waiting reached the limit. `wall-clock`: the backstop passed first. */
  by: 'limit' | 'wall-clock';
  usage: TimeUsage;
}

export interface TimeClocks {
  /** The thread's CPU time in milliseconds (any origin). */
  cpuMs(): number;
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
}

const threadClocks: TimeClocks = { cpuMs: ownThreadCpuMs, now: epochNow };

export const DEFAULT_WALL_CLOCK_FACTOR = 10;

export class ToolTimeBudget {
  readonly limitMs: number;
  readonly wallClockMs: number;
  private readonly clocks: TimeClocks;
  private readonly startedAt: number;
  private readonly cpuAtStart: number;
  private waited = 0;
  private nextCheckAt: number;
  private graceEndsAt: number | undefined;

  constructor(limitMs: number, wallClockMs: number, startedAt: number, clocks: TimeClocks = threadClocks) {
    this.limitMs = limitMs;
    this.wallClockMs = Math.max(limitMs, wallClockMs);
    this.clocks = clocks;
    this.startedAt = startedAt;
    this.cpuAtStart = clocks.cpuMs();
    this.nextCheckAt = startedAt + limitMs;
  }

  get waitedMs(): number {
    return this.waited;
  }

  usage(now = this.clocks.now()): TimeUsage {
    return { cpuMs: Math.max(0, this.clocks.cpuMs() - this.cpuAtStart), waitedMs: this.waited, wallMs: Math.max(0, now - this.startedAt) };
  }

  /** Undefined while the call has time left; otherwise what ran out, with the readings. */
  check(): TimeStop | undefined {
    const now = this.clocks.now();
    if (this.graceEndsAt !== undefined) return now > this.graceEndsAt ? { by: 'limit', usage: this.usage(now) } : undefined;
    if (now < this.nextCheckAt) return undefined;
    const usage = this.usage(now);
    if (usage.wallMs >= this.wallClockMs) return { by: 'wall-clock', usage };
    const used = usage.cpuMs + usage.waitedMs;
    if (used >= this.limitMs) return { by: 'limit', usage };
    this.nextCheckAt = now + Math.min(this.limitMs - used, this.wallClockMs - usage.wallMs);
    return undefined;
  }

  /** How long the call may wait on a host call before its time could have run out. */
  waitAllowanceMs(): number {
    const usage = this.usage();
    return Math.max(0, Math.min(this.limitMs - usage.cpuMs - usage.waitedMs, this.wallClockMs - usage.wallMs));
  }

  /** The call waited this long on host calls; the next check reads the clocks again. */
  noteWait(milliseconds: number): void {
    this.waited += Math.max(0, milliseconds);
    this.nextCheckAt = this.clocks.now();
  }

  /** After the call has failed: a short wall-clock allowance for turning its error into a message. */
  allowGrace(milliseconds: number): void {
    this.graceEndsAt = this.clocks.now() + milliseconds;
  }
}

/** The failure message for a call whose time ran out, with the readings that decided it. */
export function describeTimeStop(stop: TimeStop, limitMs: number, wallClockMs: number): string {
  const { cpuMs, waitedMs, wallMs } = stop.usage;
  const readings = `CPU ${Math.round(cpuMs)} ms + waiting on host calls ${Math.round(waitedMs)} ms, over ${Math.round(wallMs)} ms of wall clock`;
  if (stop.by === 'wall-clock') return `the tool ran past its ${wallClockMs} ms wall-clock backstop before using its ${limitMs} ms time limit (${readings})`;
  return `the tool ran past its ${limitMs} ms time limit (${readings})`;
}

/** The wall-clock backstop of a call with this time limit, unless one was given. */
export function wallClockBackstopMs(limitMs: number, given?: number): number {
  return Math.max(limitMs, given ?? limitMs * DEFAULT_WALL_CLOCK_FACTOR);
}
