import { shownRunStatus } from '../store/run-status.ts';
import type { RunRecord, Store } from '../store/types.ts';
import type { LiveUpdate } from './api-types.ts';

/**
 * Live updates for the pages, read from the store: another process (the `lamarck evolve` that is
 * running) writes, so the dashboard polls. One poller serves every open page: each tick reads the
 * run list, and for the runs still running their program count, their last event and their
 * trajectories' state, and tells subscribers what changed. Polling runs only while a page listens.
 */
export type LiveListener = (update: LiveUpdate) => void;

interface RunMark {
  status: string;
  updatedAt: number;
  programs: number;
  events: number;
  trajectories: string;
}

/** Running runs watched per tick; a store full of crashed "running" runs stays cheap. */
const watchedRunning = 20;

export class LiveUpdates {
  private readonly store: Store;
  private readonly pollMs: number;
  private readonly listeners = new Set<LiveListener>();
  private readonly marks = new Map<string, RunMark>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollWaiters: (() => void)[] = [];
  private readonly closing = new AbortController();

  constructor(store: Store, pollMs: number) {
    this.store = store;
    this.pollMs = pollMs;
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.schedule(0);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Resolves when the poller has finished a tick that started after this call's subscriber joined:
   * from then on every change is reported (the live route waits for it before saying hello).
   */
  nextPoll(): Promise<void> {
    if (this.closing.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.pollWaiters.push(resolve));
  }

  /** Aborted when the server closes, so open streams end instead of waiting for their next heartbeat. */
  get closed(): AbortSignal {
    return this.closing.signal;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.closing.abort();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.listeners.clear();
    await this.polling;
    this.releaseWaiters();
  }

  private schedule(delayMs: number): void {
    if (this.closing.signal.aborted || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.poll()
        .catch(() => undefined)
        .finally(() => {
          this.polling = undefined;
          this.releaseWaiters();
          if (this.listeners.size > 0) this.schedule(this.pollMs);
        });
    }, delayMs);
  }

  /** One tick: compares the store with the marks of the last tick and publishes the differences. */
  private async poll(): Promise<void> {
    const runs = await this.store.listRuns();
    const first = this.marks.size === 0;
    let listChanged = false;
    let running = 0;
    for (const run of runs) {
      const previous = this.marks.get(run.id);
      const watch = run.status === 'running' && running < watchedRunning;
      if (watch) running += 1;
      if (!watch && previous !== undefined && previous.updatedAt === run.updatedAt) continue;
      const mark = await this.markOf(run, previous, watch);
      this.marks.set(run.id, mark);
      if (previous === undefined) {
        listChanged = true;
        continue;
      }
      const changed = mark.status !== previous.status || mark.updatedAt !== previous.updatedAt || mark.programs !== previous.programs || mark.events !== previous.events || mark.trajectories !== previous.trajectories;
      if (!changed) continue;
      listChanged = true;
      this.publish({ type: 'run', runId: run.id, programs: mark.programs, events: mark.events, status: mark.status });
    }
    if (listChanged && !first) this.publish({ type: 'runs', runId: null });
  }

  private async markOf(run: RunRecord, previous: RunMark | undefined, watch: boolean): Promise<RunMark> {
    // The shown status: a running run whose lease expired turns `interrupted` without any write.
    const status = run.status === 'running' ? await shownRunStatus(this.store, run) : run.status;
    const mark: RunMark = { status, updatedAt: run.updatedAt, programs: previous?.programs ?? 0, events: previous?.events ?? 0, trajectories: previous?.trajectories ?? '' };
    if (!watch && previous !== undefined && run.kind !== 'evolve') return mark;
    if (run.kind === 'evolve') mark.programs = await this.store.countPrograms(run.id);
    const events = await this.store.listEvents(run.id, { afterSequence: mark.events, limit: 10_000 });
    if (events.length > 0) mark.events = events[events.length - 1]!.sequence;
    if (run.kind === 'agent') {
      const trajectories = await this.store.listTrajectories({ runId: run.id });
      mark.trajectories = trajectories.map((trajectory) => `${trajectory.id}:${trajectory.updatedAt}:${trajectory.status}`).join(',');
    }
    return mark;
  }

  private releaseWaiters(): void {
    const waiters = this.pollWaiters;
    this.pollWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private publish(update: LiveUpdate): void {
    for (const listener of this.listeners) listener(update);
  }
}
