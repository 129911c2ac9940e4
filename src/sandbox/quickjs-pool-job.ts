import type { JsonValue } from '../core/json.ts';
import { HostCalls } from './quickjs-host-calls.ts';
import type { HostToWorker, QuickJsOutcome, SandboxFailure, WorkerResult, WorkerToHost } from './quickjs-protocol.ts';
import type { FileAccess } from './tool-files.ts';
import { ToolLogCollector } from './tool-log-collector.ts';
import { describeTimeStop, wallClockBackstopMs, type TimeStop } from './tool-time-budget.ts';
import type { NetworkAccess } from './tool-network.ts';

/**
 * The host side of one piece of work for a sandbox worker: a tool call (`RunJob`) or a warm-up
 * (`WarmUpJob`). The pool decides when and where it runs; the job turns what was recorded about
 * its end (the worker's result, the pool killing the worker and why, the worker dying and its
 * error) into an outcome. No outcome is decided by which timer fired first.
 */
export interface QuickJsCallOptions {
  /**
   * The call's time: the CPU time of its worker thread plus the time it waits on host calls, so a
   * tool starved of CPU on a busy machine is not blamed for the wait (tool-time-budget.ts).
   */
  timeoutMs: number;
  /** The wall-clock backstop; 10 x timeoutMs by default. */
  wallClockMs?: number;
  memoryLimitBytes: number;
  /** Guest stack; clamped to a size the worker's own stack always outlasts. */
  stackLimitBytes?: number;
  /** Omitted or with no hosts: the tool has no `ctx.fetch`. */
  network?: NetworkAccess;
  /** Omitted: no `ctx.readFile` / `ctx.writeFile`. */
  files?: FileAccess;
  maxOutputBytes?: number;
  signal?: AbortSignal;
  filename?: string;
}

export const DEFAULT_MAX_TOOL_OUTPUT_BYTES = 1024 * 1024;

/**
 * How a job ended, as the pool observed it. `at` (epochNow) is when it ended: the worker's own
 * time for a result, the host's for the rest. With the caller's abort time, it says which stop
 * came first, whichever of the two messages the host happened to read first.
 */
export type JobEnding =
  | { kind: 'result'; result: WorkerResult; droppedLogLines: number; at: number }
  /**
   * The pool won the compare-and-swap and terminated the worker: when its time ran out, after an
   * abort the guest ignored, or because the worker never started the job. For a deadline, `time`
   * holds the readings it was decided from (undefined: the thread's CPU time could not be read, and
   * the wall clock decided) and `limitAt` the latest time the limit can have been reached.
   */
  | { kind: 'killed'; reason: 'deadline' | 'abort' | 'no-start'; at: number; time?: TimeStop | undefined; limitAt?: number | undefined }
  | { kind: 'worker-died'; error: unknown; exitCode: number | undefined; at: number }
  | { kind: 'closed'; at: number };

export interface PoolJob {
  readonly id: number;
  readonly kind: 'run' | 'warm-up';
  /** Time the worker has once it started the job (CPU plus host-call waits); the pool terminates it once it used this plus a grace. */
  readonly timeoutMs: number;
  /** The wall-clock backstop: past it (plus a grace) the pool terminates the worker, whatever it used. */
  readonly wallClockMs: number;
  readonly memoryLimitBytes: number;
  readonly signal: AbortSignal | undefined;
  request(): HostToWorker;
  /** The caller aborted at `at` (epochNow); the first abort is the one kept. */
  noteAbort(at: number): void;
  /** Log lines and host calls; `reply` reaches the worker only while it still runs this job. */
  onWorkerMessage(message: WorkerToHost, reply: (message: HostToWorker) => void): void;
  finish(ending: JobEnding): void;
}

export class RunJob implements PoolJob {
  readonly id: number;
  readonly kind = 'run';
  readonly timeoutMs: number;
  readonly wallClockMs: number;
  readonly memoryLimitBytes: number;
  readonly signal: AbortSignal | undefined;
  readonly outcome: Promise<QuickJsOutcome>;
  private readonly source: string;
  private readonly inputJson: string;
  private readonly options: QuickJsCallOptions;
  private readonly started: number;
  private readonly logs = new ToolLogCollector();
  private readonly hostCalls: HostCalls;
  private resolve: (outcome: QuickJsOutcome) => void = () => undefined;
  private settled = false;
  /** Recorded evidence for the kind: when the caller aborted the call. */
  private abortedAt: number | undefined;

  constructor(id: number, source: string, input: JsonValue, options: QuickJsCallOptions, started: number) {
    this.id = id;
    this.source = source;
    this.inputJson = JSON.stringify(input);
    this.options = options;
    this.timeoutMs = options.timeoutMs;
    this.wallClockMs = wallClockBackstopMs(options.timeoutMs, options.wallClockMs);
    this.memoryLimitBytes = options.memoryLimitBytes;
    this.signal = options.signal;
    this.started = started;
    this.hostCalls = new HostCalls(options.network, options.files);
    this.outcome = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  request(): HostToWorker {
    const files = this.options.files;
    return {
      type: 'run',
      callId: this.id,
      source: this.source,
      inputJson: this.inputJson,
      filename: this.options.filename ?? 'index.js',
      limits: {
        // Replaced by the worker with its own clock when it starts the call; see the worker.
        startedAt: 0,
        timeoutMs: this.options.timeoutMs,
        wallClockMs: this.wallClockMs,
        memoryLimitBytes: this.options.memoryLimitBytes,
        stackLimitBytes: this.options.stackLimitBytes,
        maxOutputBytes: this.options.maxOutputBytes ?? DEFAULT_MAX_TOOL_OUTPUT_BYTES,
      },
      capabilities: {
        network: [...(this.options.network?.hosts ?? [])],
        files: files === undefined ? [] : [...(files.read ? (['read'] as const) : []), ...(files.write ? (['write'] as const) : [])],
      },
    };
  }

  noteAbort(at: number): void {
    this.abortedAt ??= at;
  }

  onWorkerMessage(message: WorkerToHost, reply: (message: HostToWorker) => void): void {
    if (message.type === 'log') {
      this.logs.add(message.level, message.message);
    } else if (message.type === 'host-call') {
      void this.hostCalls.perform(message.operation, message.requestText).then((answer) => {
        if (!this.settled) reply({ type: 'host-reply', callId: this.id, requestId: message.requestId, ...answer });
      });
    }
  }

  finish(ending: JobEnding): void {
    if (this.settled) return;
    this.settled = true;
    this.hostCalls.stop();
    if (ending.kind === 'result') this.logs.addDropped(ending.droppedLogLines);
    const result = this.resultOf(ending);
    const durationMs = Math.round((performance.now() - this.started) * 100) / 100;
    const logs = this.logs.lines();
    this.resolve(result.ok ? { ok: true, output: result.output, logs, durationMs } : { ok: false, error: result.error, logs, durationMs });
  }

  private resultOf(ending: JobEnding): { ok: true; output: JsonValue } | { ok: false; error: SandboxFailure } {
    const result = this.endingResult(ending);
    if (result.ok || result.error.code === 'aborted' || !this.abortCameFirst(ending, result.error)) return result;
    return { ok: false, error: { code: 'aborted', message: `the tool call was aborted (it then ended with ${result.error.code}: ${result.error.message})` } };
  }

  /**
   * Whether the caller's abort was the first stop: recorded before the time the other ending
   * happened (for a worker the pool killed at its limit, the latest moment the limit can have
   * been reached). Decided from the recorded times, not from which message reached the host
   * first, so a failure that the abort caused (a worker terminated for it, an error the guest
   * raised on the way out) is reported as the abort.
   */
  private abortCameFirst(ending: JobEnding, failure: SandboxFailure): boolean {
    if (this.abortedAt === undefined) return false;
    const limitAt = ending.kind === 'killed' ? ending.limitAt : undefined;
    const otherStop = failure.code === 'timeout' && limitAt !== undefined ? Math.min(limitAt, ending.at) : ending.at;
    return this.abortedAt <= otherStop;
  }

  private endingResult(ending: JobEnding): { ok: true; output: JsonValue } | { ok: false; error: SandboxFailure } {
    switch (ending.kind) {
      case 'result':
        if (!ending.result.ok) return ending.result;
        return parseOutput(ending.result.outputJson);
      case 'killed':
        if (ending.reason === 'abort') return { ok: false, error: { code: 'aborted', message: 'the tool call was aborted' } };
        if (ending.reason === 'no-start') return { ok: false, error: { code: 'sandbox-fault', message: 'the sandbox thread did not start the tool call' } };
        return {
          ok: false,
          error: {
            code: 'timeout',
            message: `${
              ending.time === undefined ? `the tool ran past its ${this.timeoutMs} ms time limit by the wall clock (its thread's CPU time cannot be read here)` : describeTimeStop(ending.time, this.timeoutMs, this.wallClockMs)
            } and was stopped from outside the interpreter (it was inside one long built-in call)`,
          },
        };
      case 'worker-died':
        return { ok: false, error: workerDeathFailure(ending.error, ending.exitCode, this.memoryLimitBytes) };
      case 'closed':
        return { ok: false, error: { code: 'aborted', message: 'the sandbox was closed before the tool call finished' } };
    }
  }
}

/** Instantiates QuickJS in a worker and runs a small tool there once; its outcome only says whether that worked. */
export class WarmUpJob implements PoolJob {
  readonly id: number;
  readonly kind = 'warm-up';
  readonly timeoutMs = 10_000;
  readonly wallClockMs = 60_000;
  readonly memoryLimitBytes: number;
  readonly signal = undefined;
  readonly done: Promise<boolean>;
  private resolve: (ok: boolean) => void = () => undefined;

  constructor(id: number, memoryLimitBytes: number) {
    this.id = id;
    this.memoryLimitBytes = memoryLimitBytes;
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  request(): HostToWorker {
    return { type: 'warm-up', callId: this.id, memoryLimitBytes: this.memoryLimitBytes };
  }

  noteAbort(): void {}

  onWorkerMessage(): void {}

  finish(ending: JobEnding): void {
    this.resolve(ending.kind === 'result' && ending.result.ok);
  }
}

/** Own `__proto__` keys are harmless to JSON.parse but not to a later Object.assign; they are dropped. */
function parseOutput(outputJson: string | null): { ok: true; output: JsonValue } | { ok: false; error: SandboxFailure } {
  if (outputJson === null) return { ok: true, output: null };
  try {
    return { ok: true, output: JSON.parse(outputJson, (key, item: unknown) => (key === '__proto__' ? undefined : item)) as JsonValue };
  } catch (error) {
    return { ok: false, error: { code: 'sandbox-fault', message: `the sandbox returned unreadable JSON: ${error instanceof Error ? error.message : String(error)}` } };
  }
}

/**
 * A worker that died on its own. Node ends a worker whose heap outgrows its `resourceLimits` with
 * ERR_WORKER_OUT_OF_MEMORY: the tool's data (a huge result or request) filled the thread's heap.
 */
function workerDeathFailure(error: unknown, exitCode: number | undefined, memoryLimitBytes: number): SandboxFailure {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: 'memory-limit', message: `the tool's data outgrew the heap of its sandbox thread (its memory limit is ${Math.round(memoryLimitBytes / 1024 / 1024)} MiB)` };
  }
  const reason = error instanceof Error ? error.message : exitCode === undefined ? 'no reason given' : `exit code ${exitCode}`;
  return { code: 'sandbox-fault', message: `the sandbox thread stopped unexpectedly: ${reason}` };
}
