import type { JsonValue } from '../core/json.ts';

/**
 * What crosses between the host thread and a QuickJS worker. Everything is plain data: source and
 * input go in as text, the result comes back as JSON text, and host calls (fetch, files) are
 * requests the worker sends and the host answers. The host never hands the worker a function.
 *
 * Each worker also shares a small control block (an Int32Array over a SharedArrayBuffer) with the
 * host. A worker whose guest is inside a long built-in call cannot read messages, so the host
 * speaks to it through the block, and the block records who ended a call: the worker moves
 * `state` from RUNNING to DONE before it posts a result, the host moves it from RUNNING to KILLED
 * before it terminates the worker. Exactly one of those compare-and-swaps succeeds, so a result
 * posted just before the deadline is never mistaken for a timeout, and a call the host killed is
 * never also reported as finished.
 */
export type SandboxErrorCode =
  | 'timeout'
  | 'memory-limit'
  | 'stack-overflow'
  | 'tool-threw'
  | 'tool-syntax-error'
  | 'tool-invalid'
  | 'capability-denied'
  | 'output-not-json'
  | 'output-too-large'
  | 'tool-stalled'
  | 'aborted'
  | 'sandbox-fault';

export interface SandboxFailure {
  code: SandboxErrorCode;
  message: string;
}

export type QuickJsOutcome =
  | { ok: true; output: JsonValue; logs: string[]; durationMs: number }
  | { ok: false; error: SandboxFailure; logs: string[]; durationMs: number };

/** Host calls one tool call may make in all, and have in flight at once (checked on both sides). */
export const MAX_HOST_CALLS = 200;
export const MAX_CONCURRENT_HOST_CALLS = 16;

/** Why a host call is refused: `made` counts it, `inFlight` does not. Undefined: it may go ahead. */
export function hostCallRefusal(made: number, inFlight: number): string | undefined {
  if (made > MAX_HOST_CALLS) return `a tool call may make at most ${MAX_HOST_CALLS} host calls (fetch, files)`;
  if (inFlight >= MAX_CONCURRENT_HOST_CALLS) return `a tool may have at most ${MAX_CONCURRENT_HOST_CALLS} host calls in flight at once`;
  return undefined;
}

/** The guest-visible name of a failed host call (a denied capability is a `CapabilityError` instead). */
export function hostCallErrorName(operation: string): string {
  return operation === 'fetch' ? 'FetchError' : 'FileError';
}

/** Indexes into the shared control block. */
export const CONTROL_STATE = 0;
/** Set to 1 by the host to ask the running call to stop (its caller aborted). */
export const CONTROL_ABORT = 1;
/** Milliseconds the running call has waited on host calls in all, written by the worker after each wait: part of its time. */
export const CONTROL_WAITED_MS = 2;
export const CONTROL_SLOTS = 3;

/** Values of `control[CONTROL_STATE]`. */
export const STATE_IDLE = 0;
export const STATE_RUNNING = 1;
export const STATE_DONE = 2;
export const STATE_KILLED = 3;

/** What the guest was granted; the host checks every request against its own copy again. */
export interface GuestCapabilities {
  network: string[];
  files: ('read' | 'write')[];
}

export interface CallLimits {
  /** When the call started, in milliseconds since the epoch (`performance.timeOrigin + performance.now()`). */
  startedAt: number;
  /** The call's time: CPU time of its thread plus time waiting on host calls (see tool-time-budget.ts). */
  timeoutMs: number;
  /** The wall-clock backstop, counted from `startedAt`. */
  wallClockMs: number;
  memoryLimitBytes: number;
  stackLimitBytes: number | undefined;
  maxOutputBytes: number;
}

export type HostToWorker =
  /** The compiled QuickJS WebAssembly module, sent once before anything else (undefined: the worker loads it itself). */
  | { type: 'init'; module: object | undefined }
  | { type: 'run'; callId: number; source: string; inputJson: string; filename: string; limits: CallLimits; capabilities: GuestCapabilities }
  /** Instantiates QuickJS for a memory limit and runs a small tool once, so the next call finds compiled code. */
  | { type: 'warm-up'; callId: number; memoryLimitBytes: number }
  | { type: 'host-reply'; callId: number; requestId: number; ok: true; text: string }
  | { type: 'host-reply'; callId: number; requestId: number; ok: false; name: string; message: string }
  /** Wakes a call that waits on a host call; a busy guest sees `CONTROL_ABORT` instead. */
  | { type: 'abort'; callId: number };

export type WorkerResult = { ok: true; outputJson: string | null } | { ok: false; error: SandboxFailure };

export type WorkerToHost =
  /**
   * The worker took the job: its time limit counts from `at` (epochNow, the worker's clock). With
   * `osThreadId` and `cpuMs` (the thread's CPU time then, from /proc), the host can read how much
   * CPU the call has used even while the guest is stuck inside one built-in call.
   */
  | { type: 'started'; callId: number; at: number; osThreadId?: number | undefined; cpuMs?: number | undefined }
  | { type: 'log'; callId: number; level: string; message: string }
  | { type: 'host-call'; callId: number; requestId: number; operation: string; requestText: string }
  /**
   * `droppedLogLines`: console lines the worker did not forward because the call's log was full.
   * `endedAt`: when the call ended (epochNow), so the host can tell whether it ended before or after
   * the caller's abort, whichever message it reads first.
   */
  | { type: 'done'; callId: number; result: WorkerResult; droppedLogLines: number; endedAt: number };

/** The shared clock of host and workers: each thread's own `performance.now()` starts at a different origin. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
