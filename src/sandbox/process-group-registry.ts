import { usageByGroup, type GroupUsage } from './process-group-usage.ts';

/**
 * The process groups our sandboxed children live in. One shared timer samples the resident
 * memory and CPU time of every live group (one /proc scan for all of them), and an `exit` hook
 * kills whatever is still alive when Lamarck exits, so no evaluator outlives us.
 */
export const MEMORY_SAMPLE_INTERVAL_MS = 50;

type SampleListener = (usage: GroupUsage) => void;

const liveGroups = new Map<number, SampleListener>();
let sampler: NodeJS.Timeout | undefined;
let exitHookInstalled = false;

/** Starts sampling a group and remembers it for the exit hook; the returned function forgets it. */
export function trackProcessGroup(groupId: number, onSample: SampleListener): () => void {
  liveGroups.set(groupId, onSample);
  installExitHook();
  if (sampler === undefined) {
    sampler = setInterval(sampleAll, MEMORY_SAMPLE_INTERVAL_MS);
    sampler.unref();
  }
  return () => {
    liveGroups.delete(groupId);
    if (liveGroups.size === 0 && sampler !== undefined) {
      clearInterval(sampler);
      sampler = undefined;
    }
  };
}

/** Sends SIGKILL to every process in the group; a group that is already gone is not an error. */
export function killProcessGroup(groupId: number): void {
  try {
    process.kill(-groupId, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group. EPERM cannot happen for our own children.
  }
}

/** Kills every group still tracked. Runs on process exit; callable directly by hosts that shut down. */
export function killAllProcessGroups(): void {
  for (const groupId of liveGroups.keys()) killProcessGroup(groupId);
}

export function liveProcessGroupCount(): number {
  return liveGroups.size;
}

/** Takes one sample now (the timer also does this every MEMORY_SAMPLE_INTERVAL_MS). */
export function sampleProcessGroups(): void {
  sampleAll();
}

function sampleAll(): void {
  if (liveGroups.size === 0) return;
  const totals = usageByGroup(new Set(liveGroups.keys()));
  for (const [groupId, listener] of [...liveGroups]) listener(totals.get(groupId) ?? { residentBytes: 0, cpuMs: 0 });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // `exit` handlers must be synchronous; process.kill is.
  process.on('exit', killAllProcessGroups);
}
