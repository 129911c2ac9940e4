import { runProcess, type ProcessResult } from './run-process.ts';
import { sandboxContractVersion, type Sandbox, type SandboxLimits, type SandboxOutcomeKind, type SandboxResult, type SandboxRunOptions } from './sandbox-contract.ts';
import { definedOnly } from '../core/defined-only.ts';

/** A command line to run as a process group. */
export interface ProcessUnit {
  command: readonly string[];
  cwd?: string | undefined;
  env?: Record<string, string> | undefined;
  stdin?: string | undefined;
}

const DEFAULT_WALL_CLOCK_FACTOR = 10;

/** The process sandbox behind the Sandbox contract: `runProcess` with the contract's limits, its result read into the shared vocabulary. */
export function createProcessSandbox(): Sandbox<ProcessUnit> {
  return {
    contractVersion: sandboxContractVersion,
    name: 'process',
    run: async (unit: ProcessUnit, limits: SandboxLimits, options: SandboxRunOptions = {}): Promise<SandboxResult> => {
      const result = await runProcess({
        command: unit.command,
        ...definedOnly({ cwd: unit.cwd, env: unit.env, stdin: unit.stdin }),
        timeoutMs: limits.wallClockMs ?? limits.timeoutMs * DEFAULT_WALL_CLOCK_FACTOR,
        cpuTimeLimitMs: limits.timeoutMs,
        memoryLimitMb: limits.memoryLimitMb,
        outputLimitBytes: limits.outputLimitBytes,
        ...definedOnly({ signal: options.signal }),
      });
      return processSandboxResult(result, limits);
    },
  };
}

/** Reads a process's recorded ending into the shared vocabulary; the verdict flags come first, then how it exited. */
export function processSandboxResult(result: ProcessResult, limits: SandboxLimits): SandboxResult {
  const { kind, message } = processOutcome(result, limits);
  const status = result.signal === null ? `exit ${result.exitCode ?? 'none'}` : `signal ${result.signal}`;
  return {
    kind,
    message,
    output: result.stdout,
    diagnostics: result.stderr,
    evidence: { cause: `${result.stop?.reason ?? 'not-started'}, ${status}`, durationMs: result.durationMs, outputBytes: result.stdoutBytes + result.stderrBytes },
  };
}

function processOutcome(result: ProcessResult, limits: SandboxLimits): { kind: SandboxOutcomeKind; message: string } {
  if (result.spawnError !== undefined) return { kind: 'invalid', message: `the command could not be started: ${result.spawnError}` };
  if (result.aborted) return { kind: 'aborted', message: 'the run was aborted' };
  if (result.memoryExceeded) return { kind: 'memory-limit', message: `it went over its memory limit of ${limits.memoryLimitMb} MB (peak ${result.peakMemoryMb} MB)` };
  if (result.outputLimitExceeded) return { kind: 'output-limit', message: `it wrote more than ${limits.outputLimitBytes} bytes` };
  if (result.cpuTimeExceeded) return { kind: 'timeout', message: `it used up its ${limits.timeoutMs} ms of CPU time` };
  if (result.timedOut) return { kind: 'timeout', message: `it ran past its wall clock of ${limits.wallClockMs ?? limits.timeoutMs * DEFAULT_WALL_CLOCK_FACTOR} ms` };
  if (result.signal !== null) return { kind: 'crashed', message: `it was killed by ${result.signal}` };
  if (result.exitCode !== 0) return { kind: 'exit-code', message: `it exited with status ${result.exitCode}` };
  return { kind: 'ok', message: 'it exited with status 0' };
}
