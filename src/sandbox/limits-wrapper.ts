import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The kernel-enforced limits a sandboxed command starts under, set by a tiny `/bin/sh` that then
 * `exec`s the command in place (same pid, same process group): an address-space rlimit, a CPU-time
 * rlimit, and membership of a memory-limited cgroup. Each applies before the command's first
 * instruction, so no allocation or loop can outrun it.
 */
export interface KernelLimits {
  /** `ulimit -v`, in MiB. */
  addressSpaceMb?: number;
  /**
   * `ulimit -t`: the soft limit (SIGXCPU, which ends a process that does not handle it) at this
   * many seconds of CPU time, rounded up, and the hard limit (SIGKILL) one second later.
   */
  cpuSeconds?: number;
  /** A cgroup's `cgroup.procs`: the shell moves itself there before it execs the command. */
  cgroupProcessesFile?: string;
}

/** Exit status of the shell when it cannot join its cgroup (the command never ran). */
export const CGROUP_JOIN_FAILED_EXIT_CODE = 125;

const ADDRESS_SPACE_HUNGRY = new Set([
  'node', 'nodejs', 'npx', 'npm', 'pnpm', 'yarn', 'bun', 'deno', 'tsx', 'java', 'javaw', 'dotnet',
  'sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'env', 'timeout', 'nice', 'xargs',
]);

/**
 * The address-space cap for a memory limit, in MiB. `auto` applies max(4 x limit, limit + 2 GiB)
 * except to runtimes that reserve large address ranges up front (Node, Java, Bun, Deno) and to
 * shells, which may start such runtimes.
 */
export function addressSpaceLimitMb(
  command: readonly string[],
  setting: number | 'auto' | false | undefined,
  memoryLimitMb: number | undefined,
): number | undefined {
  if (setting === false) return undefined;
  let limitMb: number | undefined;
  if (typeof setting === 'number') limitMb = setting;
  else if (memoryLimitMb !== undefined && !ADDRESS_SPACE_HUNGRY.has(executableName(command[0] ?? ''))) {
    limitMb = Math.max(memoryLimitMb * 4, memoryLimitMb + 2048);
  }
  return limitMb === undefined || !Number.isFinite(limitMb) || limitMb <= 0 ? undefined : limitMb;
}

/** The argv that starts `command` under `limits`; the command itself when there are none to set. */
export function withKernelLimits(command: readonly string[], limits: KernelLimits): readonly string[] {
  if (process.platform === 'win32') return command;
  const steps: string[] = [];
  if (limits.addressSpaceMb !== undefined) steps.push(`ulimit -v ${Math.ceil(limits.addressSpaceMb * 1024)} 2>/dev/null`);
  if (limits.cpuSeconds !== undefined && Number.isFinite(limits.cpuSeconds) && limits.cpuSeconds > 0) {
    const soft = Math.max(1, Math.ceil(limits.cpuSeconds));
    // Both limits first, then the soft one lowered: a soft limit may never exceed the hard one.
    steps.push(`ulimit -t ${soft + 1} 2>/dev/null`, `ulimit -S -t ${soft} 2>/dev/null`);
  }
  const prefix: string[] = [];
  if (limits.cgroupProcessesFile !== undefined) {
    steps.push(`echo $$ > "$1" || exit ${CGROUP_JOIN_FAILED_EXIT_CODE}`, 'shift');
    prefix.push(limits.cgroupProcessesFile);
  }
  if (steps.length === 0) return command;
  return ['/bin/sh', '-c', `${steps.join('; ')}; exec "$@"`, 'lamarck-sandbox', ...prefix, ...command];
}

/** The path the command would run from, like a shell's lookup: as given when it has a slash, else on PATH. */
export function findExecutable(command: string, searchPath: string, cwd: string | undefined): string | undefined {
  const candidates = command.includes('/')
    ? [path.resolve(cwd ?? process.cwd(), command)]
    : searchPath
        .split(path.delimiter)
        .filter((directory) => directory !== '')
        .map((directory) => path.join(path.resolve(cwd ?? process.cwd(), directory), command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** `/usr/bin/python3.12` -> `python3.12`; `node20` and `nodejs` count as node. */
function executableName(executable: string): string {
  const base = path.basename(executable).toLowerCase();
  return /^node\d*$/.test(base) ? 'node' : base;
}
