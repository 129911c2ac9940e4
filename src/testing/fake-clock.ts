import type { Clock } from '../core/clock.ts';

/**
 * A clock for tests. Time moves only when told to (`advance`), or, with `autoAdvance`, every
 * `sleep` jumps time forward and returns at once, so retry backoff and polling run without real
 * waits while `sleeps` records what was asked for.
 */
export interface FakeClock extends Clock {
  /** Every sleep requested, in milliseconds, in order. */
  readonly sleeps: number[];
  /** Moves time forward, waking sleepers whose time has come (in order). */
  advance(milliseconds: number): Promise<void>;
  /** Sleepers still waiting. */
  pending(): number;
}

export function createFakeClock(options: { start?: number; autoAdvance?: boolean } = {}): FakeClock {
  let now = options.start ?? 0;
  const sleeps: number[] = [];
  const waiting: Array<{ wakeAt: number; resolve: () => void }> = [];
  return {
    sleeps,
    now: () => now,
    sleep(milliseconds, signal) {
      sleeps.push(milliseconds);
      if (signal?.aborted === true) return Promise.reject(signal.reason);
      if (options.autoAdvance === true) {
        now += Math.max(0, milliseconds);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const entry = { wakeAt: now + Math.max(0, milliseconds), resolve };
        waiting.push(entry);
        signal?.addEventListener(
          'abort',
          () => {
            const index = waiting.indexOf(entry);
            if (index >= 0) waiting.splice(index, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    async advance(milliseconds) {
      const target = now + milliseconds;
      for (;;) {
        waiting.sort((first, second) => first.wakeAt - second.wakeAt);
        const due = waiting[0];
        if (due === undefined || due.wakeAt > target) break;
        waiting.shift();
        now = due.wakeAt;
        due.resolve();
        // Let the woken code run (and perhaps sleep again) before moving on.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      now = target;
    },
    pending: () => waiting.length,
  };
}
