import { readdirSync, readFileSync } from 'node:fs';

/**
 * Resident memory and CPU time of whole process groups, read from Linux /proc. A group is what a
 * sandboxed child and everything it forks share (also grandchildren re-parented to init by a
 * double fork), so summing by group catches what walking the parent-child tree would miss.
 * On systems without /proc every figure is 0 and only the rlimits apply.
 */
export interface GroupUsage {
  residentBytes: number;
  /**
   * User plus system CPU time of the live members, plus what they reaped from their own children
   * (cutime, cstime). A child reaped by init after its parent died is no longer counted; its own
   * RLIMIT_CPU still bounded it.
   */
  cpuMs: number;
}

/**
 * The kernel reports CPU time in clock ticks of USER_HZ, which is 100 on every Linux ABI Node runs
 * on (it is fixed by the ABI, independent of the kernel's internal HZ).
 */
const MS_PER_CLOCK_TICK = 10;

export function isProcAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
}

/** Sums resident bytes and CPU time per process group id, for the groups asked about, in one scan of /proc. */
export function usageByGroup(groupIds: ReadonlySet<number>): Map<number, GroupUsage> {
  const totals = new Map<number, GroupUsage>();
  if (groupIds.size === 0) return totals;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return totals;
  }
  const pageSize = pageSizeBytes();
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const stat = readStat(entry);
    if (stat === undefined || !groupIds.has(stat.groupId)) continue;
    const total = totals.get(stat.groupId) ?? { residentBytes: 0, cpuMs: 0 };
    total.residentBytes += stat.residentPages * pageSize;
    total.cpuMs += stat.cpuTicks * MS_PER_CLOCK_TICK;
    totals.set(stat.groupId, total);
  }
  return totals;
}

/** Process ids currently in a group (used by tests and to confirm a group is gone). */
export function processesInGroup(groupId: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const stat = readStat(entry);
    // Zombies hold no memory and can no longer run; they only wait for their parent to reap them.
    if (stat !== undefined && stat.groupId === groupId && stat.state !== 'Z') members.push(Number(entry));
  }
  return members;
}

/**
 * Whether a process has exited but not been reaped yet (a zombie): its exit is pending, and the
 * host will see it on its next turn of the event loop. Undefined when /proc cannot tell.
 */
export function hasExitPending(pid: number): boolean | undefined {
  const stat = readStat(String(pid));
  if (stat === undefined) return isProcAvailable() ? true : undefined;
  return stat.state === 'Z' || stat.state === 'X';
}

interface ProcStat {
  state: string;
  groupId: number;
  residentPages: number;
  cpuTicks: number;
}

function readStat(pid: string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // the process ended between readdir and read
  }
  // The command name is in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid(4) pgrp(5) ... utime(14) stime(15) cutime(16) cstime(17) ... rss(24);
  // here indexed from state = 0.
  const groupId = Number(fields[2]);
  const residentPages = Number(fields[21]);
  const cpuTicks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  if (!Number.isFinite(groupId) || !Number.isFinite(residentPages)) return undefined;
  return { state: fields[0] ?? '', groupId, residentPages, cpuTicks: Number.isFinite(cpuTicks) ? cpuTicks : 0 };
}

let cachedPageSize: number | undefined;

/** The kernel page size, derived once from our own resident size as /proc and libuv report it. */
function pageSizeBytes(): number {
  if (cachedPageSize !== undefined) return cachedPageSize;
  cachedPageSize = 4096;
  const own = readStat('self');
  if (own !== undefined && own.residentPages > 0) {
    const ratio = process.memoryUsage.rss() / own.residentPages;
    // Page sizes are powers of two (4 KiB, 16 KiB, 64 KiB); round away the drift between the two reads.
    const candidate = 2 ** Math.round(Math.log2(ratio));
    if (candidate >= 4096 && candidate <= 65536) cachedPageSize = candidate;
  }
  return cachedPageSize;
}
