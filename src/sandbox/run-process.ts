import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OutputCapture } from './output-capture.ts';
import { killProcessGroup, trackProcessGroup } from './process-group-registry.ts';

/**
 * Runs an untrusted command (an evaluator, a candidate program) as a child process in its own
 * process group, with a wall-time limit, a memory limit summed over the whole group, capped output
 * and a minimal environment. Whatever the child does, the promise resolves with a result; it never
 * rejects. When the child's leader exits, the rest of its group is killed too.
 */
export interface RunProcessOptions {
  /** The executable and its arguments; looked up on the child's PATH. */
  command: readonly string[];
  cwd?: string;
  /** Added to the minimal environment (PATH, HOME, LANG); nothing else of ours is passed on. */
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs: number;
  /** Sum of resident memory over the whole process group, sampled every ~50 ms. */
  memoryLimitMb?: number;
  /**
   * A per-process address-space rlimit (`ulimit -v`), a backstop for allocations faster than the
   * sampling. `auto` (the default when a memory limit is set) applies max(4 x limit, limit + 2 GiB)
   * except to runtimes that reserve large address ranges up front (Node, Java, Bun, Deno) and to
   * shells, which may start such runtimes. An allocation over this cap fails inside the child
   * (MemoryError, bad_alloc) instead of being killed.
   */
  addressSpaceLimitMb?: number | 'auto' | false;
  /** Bytes kept per stream: half from the head, half from the tail. Default 128 KiB. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface ProcessResult {
  /** Exit code, or null when a signal ended the child. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Total bytes the child wrote, kept or not. */
  stdoutBytes: number;
  stderrBytes: number;
  truncated: boolean;
  timedOut: boolean;
  memoryExceeded: boolean;
  /** Highest sampled resident memory of the group; 0 for children that ended before a sample. */
  peakMemoryMb: number;
  durationMs: number;
  aborted: boolean;
  /** Set when the command could not be started at all (not found, not executable). */
  spawnError?: string;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 128 * 1024;
/** How long to wait for pipes to close after the group was killed (a process that left the group may hold them). */
const PIPE_DRAIN_GRACE_MS = 1000;
const MAX_TIMER_MS = 2_147_483_647;

const ADDRESS_SPACE_HUNGRY = new Set([
  'node', 'nodejs', 'npx', 'npm', 'pnpm', 'yarn', 'bun', 'deno', 'tsx', 'java', 'javaw', 'dotnet',
  'sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'env', 'timeout', 'nice', 'xargs',
]);

/** PATH, HOME and LANG from the host (or safe defaults); no tokens, keys or other variables. */
export function minimalEnvironment(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? os.tmpdir(),
    LANG: process.env.LANG ?? 'C.UTF-8',
  };
}

export function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const maxOutput = Math.max(2, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    const stdout = new OutputCapture(Math.ceil(maxOutput / 2), Math.floor(maxOutput / 2));
    const stderr = new OutputCapture(Math.ceil(maxOutput / 2), Math.floor(maxOutput / 2));
    const state = {
      exitCode: null as number | null,
      signal: null as NodeJS.Signals | null,
      timedOut: false,
      memoryExceeded: false,
      aborted: false,
      peakBytes: 0,
      spawnError: undefined as string | undefined,
    };
    let finished = false;
    const cleanups: Array<() => void> = [];

    const finish = (): void => {
      if (finished) return;
      finished = true;
      for (const cleanup of cleanups.splice(0)) cleanup();
      resolve({
        exitCode: state.exitCode,
        signal: state.signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutBytes: stdout.totalBytes,
        stderrBytes: stderr.totalBytes,
        truncated: stdout.truncated || stderr.truncated,
        timedOut: state.timedOut,
        memoryExceeded: state.memoryExceeded,
        peakMemoryMb: Math.round((state.peakBytes / (1024 * 1024)) * 10) / 10,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        aborted: state.aborted,
        ...(state.spawnError === undefined ? {} : { spawnError: state.spawnError }),
      });
    };

    if (options.command.length === 0 || options.command[0] === '') {
      state.spawnError = 'empty command';
      finish();
      return;
    }
    if (options.signal?.aborted === true) {
      state.aborted = true;
      finish();
      return;
    }

    const environment = { ...minimalEnvironment(), ...options.env };
    const argv = withAddressSpaceLimit(options.command, options.addressSpaceLimitMb, options.memoryLimitMb);
    // Under the sh wrapper a missing command would surface as exit code 127; report it as spawn does.
    if (argv !== options.command && findExecutable(options.command[0]!, environment.PATH ?? '', options.cwd) === undefined) {
      state.spawnError = `spawn ${options.command[0]} ENOENT`;
      finish();
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), {
        cwd: options.cwd,
        env: environment,
        // A new session and process group (pgid = pid), so the whole tree can be killed at once.
        detached: true,
        stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      state.spawnError = error instanceof Error ? error.message : String(error);
      finish();
      return;
    }

    const groupId = child.pid;
    const killGroup = (): void => {
      if (groupId !== undefined) killProcessGroup(groupId);
      else child.kill('SIGKILL');
    };

    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (child.stdin !== null) {
      // A child that exits without reading its input closes the pipe: EPIPE is expected, not an error.
      child.stdin.on('error', () => {});
      child.stdin.end(options.stdin ?? '');
    }

    child.on('error', (error) => {
      // Emitted when the command cannot be started; 'close' may never follow.
      state.spawnError ??= error.message;
      if (groupId === undefined) finish();
    });

    if (groupId !== undefined) {
      const memoryLimitBytes = options.memoryLimitMb === undefined ? undefined : options.memoryLimitMb * 1024 * 1024;
      const untrack = trackProcessGroup(groupId, (residentBytes) => {
        if (residentBytes > state.peakBytes) state.peakBytes = residentBytes;
        if (memoryLimitBytes !== undefined && residentBytes > memoryLimitBytes && !state.memoryExceeded) {
          state.memoryExceeded = true;
          killGroup();
        }
      });
      cleanups.push(untrack);
    }

    // setTimeout treats anything above 2^31-1 ms (and Infinity) as 1 ms; clamp instead.
    const timeout = setTimeout(() => {
      state.timedOut = true;
      killGroup();
    }, Math.min(MAX_TIMER_MS, Math.max(1, options.timeoutMs)));
    cleanups.push(() => clearTimeout(timeout));

    if (options.signal !== undefined) {
      const signal = options.signal;
      const onAbort = (): void => {
        state.aborted = true;
        killGroup();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }

    child.on('exit', (code, signal) => {
      state.exitCode = code;
      state.signal = signal;
      // The leader is done; anything it left running in its group (daemons, orphans) goes too.
      killGroup();
      clearTimeout(timeout);
      // Normally 'close' follows once the pipes drain; a process that escaped the group
      // (setsid) could hold them open forever, so stop waiting after a grace period.
      const grace = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, PIPE_DRAIN_GRACE_MS);
      cleanups.push(() => clearTimeout(grace));
    });
    child.on('close', finish);
  });
}

function withAddressSpaceLimit(
  command: readonly string[],
  setting: number | 'auto' | false | undefined,
  memoryLimitMb: number | undefined,
): readonly string[] {
  if (setting === false || process.platform === 'win32') return command;
  let limitMb: number | undefined;
  if (typeof setting === 'number') {
    limitMb = setting;
  } else if (memoryLimitMb !== undefined && !ADDRESS_SPACE_HUNGRY.has(executableName(command[0]!))) {
    limitMb = Math.max(memoryLimitMb * 4, memoryLimitMb + 2048);
  }
  if (limitMb === undefined || !Number.isFinite(limitMb) || limitMb <= 0) return command;
  const kilobytes = Math.ceil(limitMb * 1024);
  // sh sets the limit on itself and then execs the command in place: same pid, same group.
  return ['/bin/sh', '-c', `ulimit -v ${kilobytes} 2>/dev/null; exec "$@"`, 'lamarck-sandbox', ...command];
}

/** The path the command would run from, like a shell's lookup: as given when it has a slash, else on PATH. */
function findExecutable(command: string, searchPath: string, cwd: string | undefined): string | undefined {
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
