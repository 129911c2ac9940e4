import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Memory enforced by the kernel: each evaluation gets its own cgroup v2 group with `memory.max`,
 * and `oom_kill` in its `memory.events` says afterwards whether the kernel killed for memory.
 * That is evidence, unlike a sampled RSS that grows at page-fault speed between two samples.
 *
 * It needs a cgroup v2 directory whose children get the memory controller (`memory` listed in its
 * `cgroup.subtree_control`) and that we may create groups in and move processes into. Detection
 * tries, in order: `LAMARCK_CGROUP` (a delegated directory given by the operator), our own cgroup
 * and its parent; the first that passes a real probe (a shell moved into a fresh group) is used.
 * Anything else (cgroup v1, a hybrid mount whose v2 side lacks the memory controller, no
 * delegation, no permission) is reported with the reason, and the caller falls back to sampling.
 */
export type CgroupMemorySupport =
  | { available: true; parent: string; reason: string }
  | { available: false; reason: string };

export interface DetectCgroupOptions {
  /** A directory standing in for `/` (tests build cgroup-shaped trees under it). */
  root?: string;
  /** Where to look for LAMARCK_CGROUP; the process environment by default. */
  environment?: Record<string, string | undefined>;
  /** Skip the probe that moves a shell into a fresh group (tests on a plain directory tree). */
  probe?: boolean;
}

let detected: CgroupMemorySupport | undefined;

/**
 * Detection runs once per process; the machine does not change under us. Groups that a Lamarck
 * killed with `kill -9` left behind are removed then (their processes were killed with them).
 */
export function cgroupMemorySupport(): CgroupMemorySupport {
  if (detected === undefined) {
    detected = detectCgroupMemory();
    if (detected.available) removeAbandonedGroups(detected.parent);
  }
  return detected;
}

function removeAbandonedGroups(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^lamarck-(\d+)-\d+$/.exec(name);
    if (match === null || Number(match[1]) === process.pid || processExists(Number(match[1]))) continue;
    try {
      rmdirSync(path.join(parent, name));
    } catch {
      // still busy or not ours to remove; left for a later sweep
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function detectCgroupMemory(options: DetectCgroupOptions = {}): CgroupMemorySupport {
  if (process.platform !== 'linux') return { available: false, reason: 'cgroups exist only on Linux' };
  const root = options.root ?? '/';
  const environment = options.environment ?? process.env;
  const mounts = cgroupTwoMounts(readText(path.join(root, 'proc/self/mountinfo')) ?? '');
  if (mounts.length === 0) {
    return { available: false, reason: 'no cgroup v2 file system is mounted (cgroup v1 only)' };
  }
  const own = ownCgroupPath(readText(path.join(root, 'proc/self/cgroup')) ?? '');
  const candidates: string[] = [];
  const explicit = environment['LAMARCK_CGROUP'];
  if (explicit !== undefined && explicit !== '') candidates.push(path.join(root, explicit));
  if (own !== undefined) {
    for (const mount of mounts) {
      const relative = path.posix.relative(mount.root, own);
      if (relative.startsWith('..')) continue;
      const directory = path.join(root, mount.mountPoint, relative);
      candidates.push(directory);
      const parent = path.dirname(directory);
      if (parent.startsWith(path.join(root, mount.mountPoint)) && parent !== directory) candidates.push(parent);
    }
  }
  const reasons: string[] = [];
  for (const directory of candidates) {
    const problem = unusableBecause(directory, options.probe ?? true);
    if (problem === undefined) return { available: true, parent: directory, reason: `cgroup v2 memory.max under ${directory}` };
    reasons.push(problem);
  }
  if (reasons.length === 0) reasons.push('this process is in no cgroup v2 group');
  return { available: false, reason: reasons.join('; ') };
}

/** Why evaluations cannot get their own memory-limited groups under `directory`, or undefined when they can. */
function unusableBecause(directory: string, probe: boolean): string | undefined {
  const controllers = readText(path.join(directory, 'cgroup.controllers'));
  if (controllers === undefined) return `${directory} is not a cgroup v2 directory`;
  if (!words(controllers).includes('memory')) {
    return `the cgroup v2 hierarchy at ${directory} has no memory controller (it is bound to cgroup v1 here)`;
  }
  const subtree = readText(path.join(directory, 'cgroup.subtree_control')) ?? '';
  if (!words(subtree).includes('memory')) {
    return `${directory} does not delegate the memory controller to child groups (no "memory" in cgroup.subtree_control)`;
  }
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    return `no permission to create groups in ${directory}`;
  }
  if (!probe) return undefined;
  // A real trial: a group with a limit, and a shell that moves itself into it, as every evaluation will.
  const group = EvaluationCgroup.create(directory, 64 * 1024 * 1024);
  if (group === undefined) return `could not create a group with memory.max in ${directory}`;
  try {
    const trial = spawnSync('/bin/sh', ['-c', 'echo $$ > "$1"', 'lamarck-probe', group.processesFile], { encoding: 'utf8', timeout: 30_000 });
    if (trial.status !== 0) return `could not move a process into a group under ${directory}: ${(trial.stderr || trial.error?.message || '').trim()}`;
    return undefined;
  } finally {
    group.tryRemove();
  }
}

let groupSequence = 0;

/** One evaluation's own cgroup: its limit, the evidence it leaves, and its removal. */
export class EvaluationCgroup {
  readonly directory: string;

  private constructor(directory: string) {
    this.directory = directory;
  }

  /** Creates `lamarck-<pid>-<n>` under `parent` with memory.max (and no swap); undefined when the kernel refuses. */
  static create(parent: string, limitBytes: number): EvaluationCgroup | undefined {
    groupSequence += 1;
    const directory = path.join(parent, `lamarck-${process.pid}-${groupSequence}`);
    try {
      mkdirSync(directory);
    } catch {
      return undefined;
    }
    const group = new EvaluationCgroup(directory);
    try {
      writeFileSync(path.join(directory, 'memory.max'), String(Math.max(4096, Math.floor(limitBytes))));
    } catch {
      group.tryRemove();
      return undefined;
    }
    // Optional knobs: without them the limit still holds, so failures here are not fatal.
    // No swap, so the limit is not met by paging out; one OOM kill takes the whole evaluation.
    tryWrite(path.join(directory, 'memory.swap.max'), '0');
    tryWrite(path.join(directory, 'memory.oom.group'), '1');
    return group;
  }

  /** The file a process writes its pid into to join the group. */
  get processesFile(): string {
    return path.join(this.directory, 'cgroup.procs');
  }

  /** How many processes the kernel killed for going over memory.max (0 when none, or unreadable). */
  outOfMemoryKills(): number {
    const events = readText(path.join(this.directory, 'memory.events')) ?? '';
    return counter(events, 'oom_kill') + counter(events, 'oom_group_kill');
  }

  /** Peak memory charged to the group, when the kernel reports it (memory.peak, Linux 5.19+). */
  peakBytes(): number | undefined {
    const text = readText(path.join(this.directory, 'memory.peak'));
    const value = text === undefined ? Number.NaN : Number(text.trim());
    return Number.isFinite(value) ? value : undefined;
  }

  /** CPU time of every process that ever ran in the group (cpu.stat usage_usec), in ms. */
  cpuMs(): number | undefined {
    const text = readText(path.join(this.directory, 'cpu.stat'));
    if (text === undefined) return undefined;
    return counter(text, 'usage_usec') / 1000;
  }

  /** Kills every process in the group, also those that left the process group (cgroup.kill, Linux 5.14+). */
  killAll(): void {
    if (tryWrite(path.join(this.directory, 'cgroup.kill'), '1')) return;
    for (const pid of words(readText(this.processesFile) ?? '')) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /**
   * Removes the group. The kernel refuses while a process is still in it (a killed process takes a
   * moment to go), so it kills and tries again a few times before leaving it for the next sweep.
   */
  async remove(): Promise<boolean> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const outcome = this.tryRemove();
      if (outcome !== 'busy') return outcome === 'removed';
      this.killAll();
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
    return false;
  }

  /** One synchronous attempt, for the detection probe whose shell has already exited. */
  tryRemove(): 'removed' | 'busy' | 'failed' {
    try {
      rmdirSync(this.directory);
      return 'removed';
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return 'removed';
      return code === 'EBUSY' ? 'busy' : 'failed';
    }
  }
}

interface CgroupMount {
  /** The path inside the hierarchy that the mount shows (usually `/`). */
  root: string;
  mountPoint: string;
}

/** The cgroup2 mounts listed in /proc/self/mountinfo (fields: id parent dev root mount-point ... - fstype ...). */
export function cgroupTwoMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const fileSystem = line.slice(separator + 3).split(' ')[0];
    if (fileSystem !== 'cgroup2') continue;
    const fields = line.slice(0, separator).split(' ');
    if (fields.length < 5) continue;
    mounts.push({ root: unescapeMountPath(fields[3]!), mountPoint: unescapeMountPath(fields[4]!) });
  }
  return mounts;
}

/** The unified-hierarchy line of /proc/self/cgroup is `0::<path>`. */
export function ownCgroupPath(cgroupFile: string): string | undefined {
  for (const line of cgroupFile.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3).trim() || '/';
  }
  return undefined;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function counter(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return match === null ? 0 : Number(match[1]);
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function tryWrite(file: string, text: string): boolean {
  try {
    writeFileSync(file, text);
    return true;
  } catch {
    return false;
  }
}
