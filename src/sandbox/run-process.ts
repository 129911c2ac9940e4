import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { cgroupMemorySupport, EvaluationCgroup } from './cgroup-memory.ts';
import { addressSpaceLimitMb, CGROUP_JOIN_FAILED_EXIT_CODE, findExecutable, withKernelLimits } from './limits-wrapper.ts';
import { OutputCapture } from './output-capture.ts';
import { killProcessGroup, trackProcessGroup } from './process-group-registry.ts';
import { hasExitPending } from './process-group-usage.ts';
import { definedOnly, mapDefined } from '../core/defined-only.ts';

/**
 * Runs an untrusted command (an evaluator, a candidate program) as a child process in its own
 * process group, with a wall-clock limit, a CPU-time limit, a memory limit over the whole group,
 * capped output and a minimal environment. Whatever the child does, the promise resolves with a
 * result; it never rejects. When the child's leader exits, the rest of its group is killed too.
 *
 * What ended the run is recorded as evidence, never inferred from which timer fired: the first
 * stop (exit, memory, output limit, CPU time, wall clock, abort) with its time, and each verdict
 * from what was observed (the memory watcher or the kernel's OOM count, the capture's byte count,
 * the exit status or signal). An exit already pending when the wall-clock deadline fires wins:
 * a host whose event loop was blocked past the deadline must not turn a clean exit into a timeout.
 */
export interface RunProcessOptions {
  /** The executable and its arguments; looked up on the child's PATH. */
  command: readonly string[];
  cwd?: string;
  /** Added to the minimal environment (PATH, HOME, LANG); nothing else of ours is passed on. */
  env?: Record<string, string>;
  stdin?: string;
  /** Wall-clock limit, counted from the spawn. */
  timeoutMs: number;
  /**
   * CPU time the whole group may use (all its processes together). Enforced twice: RLIMIT_CPU on
   * each process (SIGXCPU at the limit rounded up to a second), and the group's total as sampled.
   * Unlike the wall clock it does not grow when a busy machine starves the child of CPU.
   */
  cpuTimeLimitMs?: number;
  /** Memory of the whole group: cgroup v2 memory.max where the machine allows it, else the sampled sum of resident memory. */
  memoryLimitMb?: number;
  /** `rss-sampling` skips the cgroup even where one is available (tests of the fallback). Default `auto`. */
  memoryEnforcement?: 'auto' | 'rss-sampling';
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
  /**
   * The group is killed as soon as either stream passes this many bytes (stop reason
   * `output-limit`). Without it a flood is drained to the end and only its head and tail are kept.
   */
  outputLimitBytes?: number;
  signal?: AbortSignal;
  /** Called once the child has started, with its pid (which is also its process group id). */
  onSpawn?: (pid: number) => void;
}

export type ProcessStopReason = 'exit' | 'memory' | 'output-limit' | 'cpu-time' | 'wall-time' | 'aborted';

export interface ProcessStop {
  reason: ProcessStopReason;
  /** Milliseconds after the spawn at which it was observed. */
  atMs: number;
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
  /** What ended the run first; null when the command never started. */
  stop: ProcessStop | null;
  /** The wall-clock limit stopped it (no exit was pending). */
  timedOut: boolean;
  /** The CPU-time limit stopped it: the group's sampled total, or SIGXCPU from the rlimit. */
  cpuTimeExceeded: boolean;
  /** The memory limit stopped it: the sampled sum went over, or the kernel OOM-killed inside its cgroup. */
  memoryExceeded: boolean;
  /** A stream passed `outputLimitBytes` (by the capture's count), whether we killed or it exited first. */
  outputLimitExceeded: boolean;
  /** How the memory limit was enforced for this run. */
  memoryEnforcement: 'cgroup-v2' | 'rss-sampling' | 'none';
  /** Highest memory of the group seen; 0 for children that ended before a sample. */
  peakMemoryMb: number;
  /** CPU time of the group as last measured (cgroup accounting, else /proc samples; 0 before the first sample). */
  cpuTimeMs: number;
  /** Wall time from the spawn to the end. */
  durationMs: number;
  aborted: boolean;
  /** Set when the command could not be started at all (not found, not executable). */
  spawnError?: string;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 128 * 1024;
/** How long to wait for pipes to close after the group was killed (a process that left the group may hold them). */
const PIPE_DRAIN_GRACE_MS = 1000;
/** A deadline that found an exit pending checks again after this long, in case the exit never arrives. */
const PENDING_EXIT_RECHECK_MS = 1000;
const MAX_TIMER_MS = 2_147_483_647;

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
    let started = performance.now();
    const maxOutput = Math.max(2, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    const stdout = new OutputCapture(Math.ceil(maxOutput / 2), Math.floor(maxOutput / 2));
    const stderr = new OutputCapture(Math.ceil(maxOutput / 2), Math.floor(maxOutput / 2));
    const outputLimit = options.outputLimitBytes;
    const state = {
      exitCode: null as number | null,
      signal: null as NodeJS.Signals | null,
      stop: null as ProcessStop | null,
      exited: false,
      timedOut: false,
      cpuTimeExceeded: false,
      memoryExceeded: false,
      outputLimitExceeded: false,
      aborted: false,
      peakBytes: 0,
      cpuMs: 0,
      spawnError: undefined as string | undefined,
    };
    let cgroup: EvaluationCgroup | undefined;
    let memoryEnforcement: ProcessResult['memoryEnforcement'] = options.memoryLimitMb === undefined ? 'none' : 'rss-sampling';
    let finished = false;
    const cleanups: Array<() => void> = [];

    const recordStop = (reason: ProcessStopReason): void => {
      state.stop ??= { reason, atMs: Math.round((performance.now() - started) * 100) / 100 };
    };

    const finish = (): void => {
      if (finished) return;
      finished = true;
      for (const cleanup of cleanups.splice(0)) cleanup();
      if (cgroup !== undefined) {
        const errors = stderr.text();
        if (state.exitCode === CGROUP_JOIN_FAILED_EXIT_CODE && errors.includes(cgroup.processesFile)) {
          state.spawnError = `could not join its memory cgroup: ${errors.trim().split('\n').pop() ?? ''}`;
        }
        // The kernel's own accounting, read before the group goes.
        const peak = cgroup.peakBytes();
        if (peak !== undefined && peak > state.peakBytes) state.peakBytes = peak;
        const cpu = cgroup.cpuMs();
        if (cpu !== undefined && cpu > state.cpuMs) state.cpuMs = cpu;
        cgroup.killAll();
        void cgroup.remove();
      }
      // An exit can beat the output check to the finish: the capture's count is the evidence then.
      if (state.stop?.reason === 'exit' && outputLimit !== undefined && (stdout.totalBytes > outputLimit || stderr.totalBytes > outputLimit)) {
        state.outputLimitExceeded = true;
      }
      resolve({
        exitCode: state.exitCode,
        signal: state.signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutBytes: stdout.totalBytes,
        stderrBytes: stderr.totalBytes,
        truncated: stdout.truncated || stderr.truncated,
        stop: state.stop,
        timedOut: state.timedOut,
        cpuTimeExceeded: state.cpuTimeExceeded,
        memoryExceeded: state.memoryExceeded,
        outputLimitExceeded: state.outputLimitExceeded,
        memoryEnforcement,
        peakMemoryMb: Math.round((state.peakBytes / (1024 * 1024)) * 10) / 10,
        cpuTimeMs: Math.round(state.cpuMs),
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        aborted: state.aborted,
        ...definedOnly({ spawnError: state.spawnError }),
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
    if (options.memoryLimitMb !== undefined && options.memoryEnforcement !== 'rss-sampling') {
      const support = cgroupMemorySupport();
      if (support.available) cgroup = EvaluationCgroup.create(support.parent, options.memoryLimitMb * 1024 * 1024);
      if (cgroup !== undefined) memoryEnforcement = 'cgroup-v2';
    }
    const addressSpaceMb = process.platform === 'win32' ? undefined : addressSpaceLimitMb(options.command, options.addressSpaceLimitMb, options.memoryLimitMb);
    const argv = withKernelLimits(options.command, {
      ...definedOnly({ addressSpaceMb, cpuSeconds: mapDefined(options.cpuTimeLimitMs, (milliseconds) => milliseconds / 1000), cgroupProcessesFile: cgroup?.processesFile }),
    });
    // Under the sh wrapper a missing command would surface as exit code 127; report it as spawn does.
    if (argv !== options.command && findExecutable(options.command[0]!, environment.PATH ?? '', options.cwd) === undefined) {
      state.spawnError = `spawn ${options.command[0]} ENOENT`;
      finish();
      return;
    }
    let child: ChildProcess;
    try {
      started = performance.now();
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
    if (groupId !== undefined) options.onSpawn?.(groupId);
    const killGroup = (): void => {
      if (groupId !== undefined) killProcessGroup(groupId);
      else child.kill('SIGKILL');
      // Also what left the process group (setsid) but not the cgroup.
      cgroup?.killAll();
    };
    /** A verdict of ours stands only if the leader had not already exited: then the exit is the first stop. */
    const stopNow = (reason: ProcessStopReason): boolean => {
      if (state.stop !== null || state.exited || (groupId !== undefined && hasExitPending(groupId) === true)) return false;
      recordStop(reason);
      killGroup();
      return true;
    };

    const checkOutput = (): void => {
      if (outputLimit === undefined || state.outputLimitExceeded) return;
      if (stdout.totalBytes > outputLimit || stderr.totalBytes > outputLimit) {
        if (stopNow('output-limit')) state.outputLimitExceeded = true;
      }
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      checkOutput();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      checkOutput();
    });
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
      // Under a cgroup the kernel enforces memory (and sums shared pages once); the samples then only report.
      const rssLimitBytes = options.memoryLimitMb === undefined || cgroup !== undefined ? undefined : options.memoryLimitMb * 1024 * 1024;
      const cpuLimitMs = options.cpuTimeLimitMs;
      const untrack = trackProcessGroup(groupId, (usage) => {
        if (usage.residentBytes > state.peakBytes) state.peakBytes = usage.residentBytes;
        if (usage.cpuMs > state.cpuMs) state.cpuMs = usage.cpuMs;
        if (rssLimitBytes !== undefined && usage.residentBytes > rssLimitBytes) {
          if (stopNow('memory')) state.memoryExceeded = true;
        } else if (cpuLimitMs !== undefined && usage.cpuMs >= cpuLimitMs) {
          if (stopNow('cpu-time')) state.cpuTimeExceeded = true;
        }
      });
      cleanups.push(untrack);
    }

    // setTimeout treats anything above 2^31-1 ms (and Infinity) as 1 ms; clamp instead.
    const deadlineMs = Math.min(MAX_TIMER_MS, Math.max(1, options.timeoutMs));
    const onDeadline = (): void => {
      // Expired timers run before the loop polls for I/O, so an exit or output that happened while
      // the host was blocked is still queued. Let it be seen first, then ask the kernel directly.
      setImmediate(() => {
        if (state.stop !== null || state.exited || finished) return;
        if (groupId !== undefined && hasExitPending(groupId) === true) {
          const recheck = setTimeout(onDeadline, PENDING_EXIT_RECHECK_MS);
          cleanups.push(() => clearTimeout(recheck));
          return;
        }
        state.timedOut = true;
        recordStop('wall-time');
        killGroup();
      });
    };
    const deadline = setTimeout(onDeadline, deadlineMs);
    cleanups.push(() => clearTimeout(deadline));

    if (options.signal !== undefined) {
      const signal = options.signal;
      const onAbort = (): void => {
        state.aborted = true;
        recordStop('aborted');
        killGroup();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }

    child.on('exit', (code, signal) => {
      state.exited = true;
      state.exitCode = code;
      state.signal = signal;
      if (state.stop === null) {
        // Kills by the kernel are evidence of their cause: the OOM count of the cgroup, SIGXCPU of the CPU rlimit.
        if (cgroup !== undefined && cgroup.outOfMemoryKills() > 0) {
          state.memoryExceeded = true;
          recordStop('memory');
        } else if (signal === 'SIGXCPU') {
          state.cpuTimeExceeded = true;
          recordStop('cpu-time');
        } else {
          recordStop('exit');
        }
      }
      // The leader is done; anything it left running in its group (daemons, orphans) goes too.
      killGroup();
      clearTimeout(deadline);
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
