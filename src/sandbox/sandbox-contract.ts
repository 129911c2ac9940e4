/**
 * The Sandbox contract, version v1: run one unit of untrusted code under limits and get back a
 * result whose `kind` comes from one shared vocabulary, whichever sandbox ran it. Two sandboxes
 * implement it: the process sandbox (`process-sandbox.ts`, over `runProcess`: any language, a
 * process group) and QuickJS (`quickjs-sandbox.ts`, `createQuickJsSandbox`: JavaScript tools in a
 * worker pool). One conformance suite (`test/sandbox/conformance.ts`) holds both to the same
 * hostile cases. What a unit is differs by sandbox (a command line, a module's source); what
 * comes back does not.
 *
 * Every kind is decided from what was recorded about the run (an exit status, a signal, the memory
 * verdict, a byte count, the worker's own report), never from which of two timers fired first.
 */
export const sandboxContractVersion = 'v1';

/**
 * How a run ended:
 * - `ok`: the code ran to its end and reported success (exit status 0; a returned value).
 * - `timeout`: it used up its time (CPU time, or the wall-clock backstop; in QuickJS the CPU time counts the time spent waiting on host calls too).
 * - `memory-limit`: it went over its memory.
 * - `output-limit`: what it wrote or returned went over `outputLimitBytes`.
 * - `exit-code`: it ended on its own and reported failure: a non-zero exit status, an uncaught exception.
 * - `crashed`: its runtime died under it: a signal the sandbox did not send, a stack overflow.
 * - `invalid`: it could not be started or its result cannot be read (no such command, a syntax error, output that is not JSON).
 * - `denied`: it asked for a capability it was not granted.
 * - `aborted`: the caller's signal stopped it.
 * - `sandbox-fault`: the sandbox itself failed; not the code's fault.
 */
export const sandboxOutcomeKinds = [
  'ok',
  'timeout',
  'memory-limit',
  'output-limit',
  'exit-code',
  'crashed',
  'invalid',
  'denied',
  'aborted',
  'sandbox-fault',
] as const;
export type SandboxOutcomeKind = (typeof sandboxOutcomeKinds)[number];

export interface SandboxLimits {
  /**
   * The time the code may run: CPU time, which a busy machine does not shrink (a process group's;
   * in QuickJS its worker thread's, plus the time it waits on host calls).
   */
  timeoutMs: number;
  /** The wall-clock backstop (a sleeping child uses no CPU; a starved one gets little). Default: 10 x timeoutMs. */
  wallClockMs?: number | undefined;
  memoryLimitMb: number;
  /** The most the code may write (either stream of a process) or return (QuickJS's JSON result). */
  outputLimitBytes: number;
}

export interface SandboxResult {
  kind: SandboxOutcomeKind;
  /** One line for people: what happened. */
  message: string;
  /** What the code produced: a process's stdout (head and tail when long), QuickJS's result as JSON text. */
  output: string;
  /** What it said on the side: a process's stderr, QuickJS's console lines. */
  diagnostics: string;
  evidence: SandboxEvidence;
}

/** What the kind was decided from, in the sandbox's own terms. */
export interface SandboxEvidence {
  /** The sandbox's own name for the ending: a process's stop reason and status (`exit 3`, `signal SIGSEGV`, `memory`), QuickJS's error code. */
  cause: string;
  durationMs: number;
  /** Bytes of output the code produced, counted whether kept or not. */
  outputBytes: number;
}

export interface SandboxRunOptions {
  signal?: AbortSignal | undefined;
}

export interface Sandbox<Unit> {
  readonly contractVersion: typeof sandboxContractVersion;
  /** `process` or `quickjs`. */
  readonly name: string;
  /** Never rejects: whatever the code does ends as a result. */
  run(unit: Unit, limits: SandboxLimits, options?: SandboxRunOptions): Promise<SandboxResult>;
}
