import type { JsonObject } from '../../core/json.ts';
import type { ProcessResult } from '../../sandbox/run-process.ts';
import type { FailureEvidence } from '../../store/types.ts';
import type { EvaluationFailureKind } from '../types.ts';
import { parseEvaluatorOutput } from './parse-evaluator-output.ts';
import { truncateMiddle } from './truncate-text.ts';

/**
 * Turns what one evaluator process did into a stage outcome. The kind comes from recorded
 * evidence, in the order the sandbox observed it: the memory verdict (the kernel's OOM count or
 * the sampled sum), the capture's byte count, the CPU-time verdict (SIGXCPU or the measured
 * total), the wall clock (which fired with no exit pending), then the exit status or signal and
 * the parsed last line. The sandbox records at most one of the first four (the first stop), so
 * a limit broken earlier is never hidden by a timer that fired later.
 */
export type StageOutcome =
  | { ok: true; score: number; metrics: JsonObject; artifacts: JsonObject; durationMs: number }
  | {
      ok: false;
      kind: EvaluationFailureKind;
      message: string;
      artifacts: JsonObject;
      evidence: Omit<FailureEvidence, 'stage' | 'stages'>;
      durationMs: number;
    };

export interface StageLimits {
  cpuTimeoutMs: number;
  wallTimeoutMs: number;
  memoryLimitMb: number;
  maxOutputBytes: number;
}

const outOfMemoryPattern = /\bMemoryError\b|std::bad_alloc|JavaScript heap out of memory|Cannot allocate memory/;
const STDERR_TAIL_LINES = 12;
const STDERR_TAIL_CHARS = 1200;
/** The stderr line quoted in a one-line failure message. */
const QUOTED_LINE_CHARS = 300;

export function interpretProcessResult(result: ProcessResult, limits: StageLimits, artifactChars: number): StageOutcome {
  const durationMs = result.durationMs;
  const streams: JsonObject = {};
  if (result.stderr.trim() !== '') streams.stderr = truncateMiddle(result.stderr, artifactChars);
  const evidence = {
    exitCode: result.exitCode,
    signal: result.signal,
    stop: result.stop?.reason ?? null,
    stopAtMs: result.stop?.atMs ?? null,
    stderrTail: stderrTail(result.stderr),
    cpuMs: result.cpuTimeMs,
    peakMemoryMb: result.peakMemoryMb,
  };
  const failure = (kind: EvaluationFailureKind, message: string, extra: JsonObject = {}): StageOutcome => {
    const stdoutTail = result.stdout.trim() === '' ? {} : { stdout_tail: truncateMiddle(result.stdout, Math.floor(artifactChars / 2)) };
    return { ok: false, kind, message, artifacts: { failure_reason: message, ...streams, ...stdoutTail, ...extra }, evidence, durationMs };
  };
  const lastLine = lastStderrLine(result.stderr);
  const quoted = lastLine === '' ? '' : `: ${lastLine}`;
  const cpu = seconds(result.cpuTimeMs);

  if (result.spawnError !== undefined) return failure('crash', `the evaluator could not be started: ${result.spawnError}`);
  if (result.memoryExceeded) {
    const how = result.memoryEnforcement === 'cgroup-v2' ? 'the kernel killed it in its cgroup' : 'it was killed';
    return failure('memory', `the evaluation used more than its ${limits.memoryLimitMb} MB memory limit and ${how}`, {
      peak_memory_mb: result.peakMemoryMb,
    });
  }
  if (result.outputLimitExceeded) {
    return failure(
      'output-too-large',
      `the evaluation wrote ${result.stdoutBytes} bytes to stdout and ${result.stderrBytes} to stderr, over the ${limits.maxOutputBytes}-byte limit`,
    );
  }
  if (result.cpuTimeExceeded) {
    return failure(
      'timeout',
      `the evaluation used its ${seconds(limits.cpuTimeoutMs)} s of CPU time and was killed (CPU-time limit; ${seconds(result.durationMs)} s of wall time)`,
    );
  }
  if (result.timedOut) {
    return failure(
      'timeout',
      `the evaluation ran past its ${seconds(limits.wallTimeoutMs)} s wall-clock limit and was killed (wall-clock limit; it had used ${cpu} s of CPU time)`,
    );
  }
  if (result.signal !== null) return failure('crash', `the evaluator was killed by signal ${result.signal}${quoted}`);
  // The sandbox's /bin/sh wrapper reports an unknown command as exit 127 rather than a spawn error.
  if (result.exitCode === 127 && /not found|No such file/i.test(result.stderr)) {
    return failure('crash', `the evaluator could not be started${quoted}`);
  }
  if (result.exitCode !== 0) {
    // Under the address-space cap an allocation fails inside the child instead of being killed.
    if (outOfMemoryPattern.test(result.stderr)) {
      return failure('memory', `the evaluation ran out of memory (limit ${limits.memoryLimitMb} MB) and exited with code ${result.exitCode}${quoted}`);
    }
    return failure('exit-code', `the evaluator exited with code ${result.exitCode}${quoted}`);
  }
  const parsed = parseEvaluatorOutput(result.stdout);
  if (!parsed.ok) return failure(parsed.kind, parsed.message, parsed.line === '' ? {} : { offending_line: parsed.line });
  const artifacts: JsonObject = { ...parsed.artifacts };
  if (streams.stderr !== undefined && artifacts.stderr === undefined) artifacts.stderr = streams.stderr;
  if (!Number.isFinite(parsed.score)) return failure('non-finite-score', `combined_score is ${parsed.score}`);
  return { ok: true, score: parsed.score, metrics: parsed.metrics, artifacts, durationMs };
}

/** The last lines of stderr, bounded in lines and characters (the end says how it died). */
export function stderrTail(stderr: string): string {
  const lines = stderr.replace(/\s+$/, '').split('\n');
  const tail = lines.slice(-STDERR_TAIL_LINES).join('\n');
  return tail.length <= STDERR_TAIL_CHARS ? tail : `...${tail.slice(tail.length - STDERR_TAIL_CHARS + 3)}`;
}

function lastStderrLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const last = lines.at(-1) ?? '';
  return last.length <= QUOTED_LINE_CHARS ? last : `${last.slice(0, QUOTED_LINE_CHARS - 3)}...`;
}

function seconds(milliseconds: number): number {
  return Math.round(milliseconds / 100) / 10;
}
