import { readFileSync, readlinkSync } from 'node:fs';

/**
 * The CPU time of one thread, which a busy machine does not make pass faster: a tool's time limit
 * counts this, so a tool whose worker thread waited for a core is not blamed for the wait.
 *
 * - Inside the thread itself: `process.threadCpuUsage()` (user + system time of the calling thread).
 * - From another thread of the same process (the host deciding whether to terminate a worker stuck
 *   inside one long built-in call, which cannot report anything itself): the first field of
 *   `/proc/self/task/<tid>/schedstat`, nanoseconds the thread ran on a CPU. Linux only; elsewhere
 *   undefined, and the caller falls back to the wall clock.
 */

/** This thread's kernel id (Linux), for another thread to read its CPU time; undefined elsewhere. */
export function currentOsThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    return Number.isInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time a thread of this process has run, in milliseconds, read by any thread; undefined when it cannot be read. */
export function osThreadCpuMs(osThreadId: number | undefined): number | undefined {
  if (osThreadId === undefined) return undefined;
  try {
    const nanoseconds = Number(readFileSync(`/proc/self/task/${osThreadId}/schedstat`, 'latin1').split(' ')[0]);
    return Number.isFinite(nanoseconds) ? nanoseconds / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The calling thread's CPU time in milliseconds. Without `process.threadCpuUsage` (Node before
 * 23.9) it is the wall clock, so the limit is the wall-clock limit it used to be.
 */
export function ownThreadCpuMs(): number {
  const threadCpuUsage = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  if (typeof threadCpuUsage !== 'function') return performance.now();
  const usage = threadCpuUsage.call(process);
  return (usage.user + usage.system) / 1000;
}

/** Whether `ownThreadCpuMs` measures CPU time (and not the wall clock). */
export const measuresThreadCpu = typeof (process as { threadCpuUsage?: unknown }).threadCpuUsage === 'function';
