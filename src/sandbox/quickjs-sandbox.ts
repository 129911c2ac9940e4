import type { JsonValue } from '../core/json.ts';
import { RunJob, WarmUpJob, type QuickJsCallOptions } from './quickjs-pool-job.ts';
import type { QuickJsOutcome, SandboxErrorCode } from './quickjs-protocol.ts';
import { QuickJsPool, type QuickJsPoolOptions } from './quickjs-worker-pool.ts';
import { sandboxContractVersion, type Sandbox, type SandboxLimits, type SandboxOutcomeKind, type SandboxResult, type SandboxRunOptions } from './sandbox-contract.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Runs a tool's ES module in QuickJS compiled to WebAssembly, in a worker thread from a warm pool:
 * a fresh runtime and context per call, a time limit on the worker thread's CPU time (plus host-call
 * waits, under a wall-clock backstop) enforced inside the interpreter (the interrupt handler) and
 * from outside it (the worker is terminated when the guest does not come back), a
 * hard memory cap, a stack limit, and no I/O at all except `ctx.fetch` to granted hosts and the
 * granted directory. Input and output cross as JSON text, so no host object or prototype is ever
 * reachable from the guest. Whatever the tool does, the result is a value, never a host crash, and
 * the host's event loop keeps running while it does it.
 *
 * One pool per process serves every caller unless a call names its own (`pool`). Its limits are
 * set with `configureQuickJsPool`; `closeQuickJsPool` ends it (a later call starts a new one).
 */
export interface QuickJsRunOptions extends QuickJsCallOptions {
  /** The pool to run in; the process's shared pool by default. */
  pool?: QuickJsPool;
}

export type { QuickJsOutcome, SandboxErrorCode, SandboxFailure } from './quickjs-protocol.ts';
export { DEFAULT_STACK_LIMIT_BYTES, MAX_STACK_LIMIT_BYTES } from './quickjs-call.ts';
export { DEFAULT_MAX_TOOL_OUTPUT_BYTES } from './quickjs-pool-job.ts';
export { QuickJsPool, type QuickJsPoolOptions, type QuickJsPoolStats } from './quickjs-worker-pool.ts';

let sharedPool: QuickJsPool | undefined;
let sharedOptions: QuickJsPoolOptions = {};

/** The process's shared pool, started on first use. */
export function sharedQuickJsPool(): QuickJsPool {
  if (sharedPool === undefined || sharedPool.isClosed) sharedPool = new QuickJsPool(sharedOptions);
  return sharedPool;
}

/** Sets the shared pool's limits; the pool running now is closed, and the next call starts one with these. */
export async function configureQuickJsPool(options: QuickJsPoolOptions): Promise<void> {
  const next = new QuickJsPool(options); // a ConfigError here changes nothing
  const previous = sharedPool;
  sharedOptions = { ...options };
  sharedPool = next;
  await previous?.close();
}

/** Ends the shared pool: running and queued calls end as `aborted`, every worker is terminated. */
export async function closeQuickJsPool(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  await pool?.close();
}

export function runInQuickJs(source: string, input: JsonValue, options: QuickJsRunOptions): Promise<QuickJsOutcome> {
  const started = performance.now();
  const pool = options.pool ?? sharedQuickJsPool();
  if (options.signal?.aborted === true) {
    return Promise.resolve({ ok: false, error: { code: 'aborted', message: 'the tool call was aborted before it started' }, logs: [], durationMs: 0 });
  }
  const job = new RunJob(pool.newJobId(), source, input, options, started);
  pool.submit(job);
  return job.outcome;
}

/**
 * Starts a worker, compiles QuickJS and runs a small tool on it, so that V8 has compiled the
 * WebAssembly and the JavaScript a call goes through; the worker then waits idle with an instance
 * for `memoryLimitBytes`. A host that starts this at startup, for example while its first model
 * call is in flight, makes its first real tool call about as fast as the later ones. When an idle
 * worker is already warm for that limit, it returns at once, so it is cheap to call per run.
 */
export async function warmUpQuickJs(memoryLimitBytes = 32 * 1024 * 1024, pool: QuickJsPool = sharedQuickJsPool()): Promise<void> {
  if (pool.hasIdleWorkerFor(memoryLimitBytes)) return;
  const job = new WarmUpJob(pool.newJobId(), memoryLimitBytes);
  pool.submit(job);
  await job.done;
}

/** A tool module's source and the input its default export is called with. */
export interface QuickJsUnit {
  source: string;
  input: JsonValue;
  filename?: string | undefined;
}

/** QuickJS behind the Sandbox contract: `runInQuickJs` with the contract's limits, its error codes read into the shared vocabulary. */
export function createQuickJsSandbox(options: { pool?: QuickJsPool } = {}): Sandbox<QuickJsUnit> {
  return {
    contractVersion: sandboxContractVersion,
    name: 'quickjs',
    run: async (unit: QuickJsUnit, limits: SandboxLimits, runOptions: SandboxRunOptions = {}): Promise<SandboxResult> => {
      const outcome = await runInQuickJs(unit.source, unit.input, {
        timeoutMs: limits.timeoutMs,
        ...definedOnly({ wallClockMs: limits.wallClockMs }),
        memoryLimitBytes: limits.memoryLimitMb * 1024 * 1024,
        maxOutputBytes: limits.outputLimitBytes,
        ...definedOnly({ filename: unit.filename, signal: runOptions.signal, pool: options.pool }),
      });
      const diagnostics = outcome.logs.join('\n');
      if (outcome.ok) {
        const output = JSON.stringify(outcome.output) ?? 'null';
        return { kind: 'ok', message: 'the tool returned a value', output, diagnostics, evidence: { cause: 'returned', durationMs: outcome.durationMs, outputBytes: Buffer.byteLength(output) } };
      }
      return {
        kind: quickJsOutcomeKinds[outcome.error.code],
        message: outcome.error.message,
        output: '',
        diagnostics,
        evidence: { cause: outcome.error.code, durationMs: outcome.durationMs, outputBytes: 0 },
      };
    },
  };
}

/** Each QuickJS error code in the shared vocabulary. */
const quickJsOutcomeKinds: Readonly<Record<SandboxErrorCode, SandboxOutcomeKind>> = {
  timeout: 'timeout',
  // A promise that can never settle would wait forever: the time it was given is what ran out.
  'tool-stalled': 'timeout',
  'memory-limit': 'memory-limit',
  'output-too-large': 'output-limit',
  'tool-threw': 'exit-code',
  'stack-overflow': 'crashed',
  'tool-syntax-error': 'invalid',
  'tool-invalid': 'invalid',
  'output-not-json': 'invalid',
  'capability-denied': 'denied',
  aborted: 'aborted',
  'sandbox-fault': 'sandbox-fault',
};
