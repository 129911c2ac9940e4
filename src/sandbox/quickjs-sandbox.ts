import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import type { JsonValue } from '../core/json.ts';
import { acquireInstance, compileQuickJs, releaseInstance, type QuickJsInstance } from './quickjs-instance-pool.ts';
import { QUICKJS_PRELUDE } from './quickjs-prelude.ts';
import { performToolFileOperation, type FileAccess } from './tool-files.ts';
import { ToolLogCollector } from './tool-log-collector.ts';
import { CapabilityDeniedError, performToolFetch, type NetworkAccess } from './tool-network.ts';

/**
 * Runs a tool's ES module in QuickJS compiled to WebAssembly: a fresh runtime and context per call
 * (on a pooled WASM instance), with a deadline enforced by the interrupt handler and by bounding
 * the pending-job loop, a hard memory cap, a stack limit, and no I/O at all except `ctx.fetch` to
 * granted hosts. Input and output cross as JSON text, so no host object or prototype is ever
 * reachable from the guest. Whatever the tool does, the result is a value, never a host crash.
 * Guest code runs synchronously between host calls, so a busy tool holds the host's event loop
 * for up to its time limit; hosts that cannot afford that run tools in a worker thread.
 */
export interface QuickJsRunOptions {
  timeoutMs: number;
  memoryLimitBytes: number;
  /** Guest stack; kept well under the host's own native stack, which the WASM frames share. */
  stackLimitBytes?: number;
  /** Omitted or with no hosts: the tool has no `ctx.fetch`. */
  network?: NetworkAccess;
  /** Omitted: no `ctx.readFile` / `ctx.writeFile`. */
  files?: FileAccess;
  maxOutputBytes?: number;
  signal?: AbortSignal;
  filename?: string;
}

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

export const DEFAULT_STACK_LIMIT_BYTES = 256 * 1024;
/**
 * Guest frames run on the host's native stack (about 1 MiB in Node) at roughly twice their
 * QuickJS-measured size, and past ~5 MiB they overrun the WASM C stack itself. Larger requests
 * are clamped so QuickJS always reports the overflow first.
 */
export const MAX_STACK_LIMIT_BYTES = 320 * 1024;
const MIN_STACK_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_MAX_TOOL_OUTPUT_BYTES = 1024 * 1024;
const JOB_BATCH = 256;
const MAX_HOST_CALLS = 200;
const MAX_CONCURRENT_HOST_CALLS = 16;
const RETIRING_FAILURES = new Set<SandboxErrorCode>(['memory-limit', 'stack-overflow', 'sandbox-fault']);
/** Time allowed after a failure to turn the guest's error into a message. */
const DESCRIBE_GRACE_MS = 50;
/**
 * The warm-up's tool goes through what typical tools do (array methods, closures, strings, numbers,
 * objects, JSON, await, try/catch, logging), so V8 has compiled those parts of QuickJS too. Running
 * it three times instead of once made the next call no measurably faster.
 */
const WARM_UP_TOOL = `export default async (input, ctx) => {
  const values = input.values.map((value) => value * 2).filter((value) => value > 1);
  const total = values.reduce((sum, value) => sum + value, 0);
  const words = String(input.name).split('-').map((word) => word.toUpperCase()).join(' ');
  const record = { ...input, total, words, mean: Math.round((total / values.length) * 100) / 100, at: \`\${words}:\${total.toFixed(1)}\` };
  try { JSON.parse('{'); } catch (error) { record.error = error instanceof SyntaxError; }
  await Promise.resolve();
  console.log('warm-up', record.total, typeof ctx);
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return JSON.parse(JSON.stringify(record));
};`;
/** Set once per process by the first warm-up; cleared again if it fails. */
let codeWarmedUp: Promise<void> | undefined;
/** Calls made through `runInQuickJs` (the warm-up's own call is not counted). */
let callsStarted = 0;



/** Where a guest exception happened: loading the module, running the tool, serialising its result. */
type GuestPhase = 'load' | 'run' | 'output';

/** Thrown on the host side to carry a guest exception (the handle is disposed by the catcher). */
class GuestThrow {
  readonly handle: QuickJSHandle;
  readonly phase: GuestPhase;
  constructor(handle: QuickJSHandle, phase: GuestPhase) {
    this.handle = handle;
    this.phase = phase;
  }
}

class SandboxStop {
  readonly failure: SandboxFailure;
  constructor(code: SandboxErrorCode, message: string) {
    this.failure = { code, message };
  }
}

/**
 * Compiles QuickJS and runs a trivial tool on it, so that V8 has compiled the WebAssembly and the
 * JavaScript a call goes through (V8 compiles each WASM function lazily, on its first call, and
 * most of a first call's time is that), then leaves an idle instance for `memoryLimitBytes` in the
 * pool. A host that starts this at startup, for example while its first model call is in flight,
 * makes its first real tool call about as fast as the later ones. The compiling happens once per
 * process; calling it again only tops up the pool, so it is cheap to call per run.
 */
export async function warmUpQuickJs(memoryLimitBytes = 32 * 1024 * 1024): Promise<void> {
  codeWarmedUp ??= warmUpCode(memoryLimitBytes);
  await codeWarmedUp;
  releaseInstance(await acquireInstance(memoryLimitBytes));
}

async function warmUpCode(memoryLimitBytes: number): Promise<void> {
  await compileQuickJs();
  // A real call that came first compiles the same code paths; running the warm-up tool beside it
  // would only make that call wait longer.
  if (callsStarted > 0) return;
  const outcome = await runCall(WARM_UP_TOOL, { name: 'warm-up', values: [1, 2, 3] }, { timeoutMs: 5000, memoryLimitBytes });
  // A failed warm-up is tried again by the next caller; real calls report their own failures.
  if (!outcome.ok) codeWarmedUp = undefined;
}

export function runInQuickJs(source: string, input: JsonValue, options: QuickJsRunOptions): Promise<QuickJsOutcome> {
  callsStarted += 1;
  return runCall(source, input, options);
}

async function runCall(source: string, input: JsonValue, options: QuickJsRunOptions): Promise<QuickJsOutcome> {
  const started = performance.now();
  const logs = new ToolLogCollector();
  const finish = (result: { ok: true; output: JsonValue } | { ok: false; error: SandboxFailure }): QuickJsOutcome => {
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    return result.ok ? { ok: true, output: result.output, logs: logs.lines(), durationMs } : { ok: false, error: result.error, logs: logs.lines(), durationMs };
  };
  if (options.signal?.aborted === true) return finish({ ok: false, error: { code: 'aborted', message: 'the tool call was aborted before it started' } });

  let instance: QuickJsInstance;
  try {
    instance = await acquireInstance(options.memoryLimitBytes);
  } catch (error) {
    return finish({ ok: false, error: { code: 'sandbox-fault', message: `could not start the sandbox: ${messageOf(error)}` } });
  }
  const call = new SandboxCall(instance, options, logs, started);
  try {
    const output = await call.run(source, input);
    return finish({ ok: true, output });
  } catch (error) {
    return finish({ ok: false, error: call.classify(error) });
  } finally {
    call.dispose();
    releaseInstance(instance);
  }
}

/** One call: owns the runtime, the context and every handle it creates. */
class SandboxCall {
  private readonly instance: QuickJsInstance;
  private readonly options: QuickJsRunOptions;
  private readonly logs: ToolLogCollector;
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  private readonly handles: QuickJSHandle[] = [];
  private readonly pendingHostCalls = new Set<Promise<void>>();
  private readonly pendingDeferreds = new Set<QuickJSDeferredPromise>();
  private hostCallCount = 0;
  private readonly hostAbort = new AbortController();
  private deadline: number;
  private timedOut = false;
  private aborted = false;
  private active = true;
  private wake: (() => void) | undefined;
  private describeError: QuickJSHandle | undefined;
  private readonly onAbort = (): void => {
    this.aborted = true;
    this.deadline = 0;
    this.wake?.();
  };

  constructor(instance: QuickJsInstance, options: QuickJsRunOptions, logs: ToolLogCollector, started: number) {
    this.instance = instance;
    this.options = options;
    this.logs = logs;
    this.deadline = started + options.timeoutMs;
    this.runtime = instance.module.newRuntime();
    // QuickJS's own accounting undercounts in this build (see the instance pool); it still refuses
    // single allocations over the limit. The WASM memory maximum is the real cap.
    this.runtime.setMemoryLimit(Math.max(1024 * 1024, options.memoryLimitBytes));
    const stack = options.stackLimitBytes ?? DEFAULT_STACK_LIMIT_BYTES;
    this.runtime.setMaxStackSize(Math.min(MAX_STACK_LIMIT_BYTES, Math.max(MIN_STACK_LIMIT_BYTES, stack)));
    this.runtime.setInterruptHandler(() => {
      if (performance.now() <= this.deadline) return false;
      if (!this.aborted) this.timedOut = true;
      return true;
    });
    this.context = this.runtime.newContext();
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  async run(source: string, input: JsonValue): Promise<JsonValue> {
    const { context } = this;
    const [ctx, parse, stringify] = this.installPrelude();
    const evaluated = context.evalCode(source, this.options.filename ?? 'index.js', { type: 'module' });
    if (evaluated.error !== undefined) throw new GuestThrow(this.keep(evaluated.error), 'load');
    const namespace = await this.settle(this.keep(evaluated.value), 'load');
    const entry = this.keep(context.getProp(namespace, 'default'));
    if (context.typeof(entry) !== 'function') {
      throw new SandboxStop('tool-invalid', 'index.js must `export default` a function: async (input, ctx) => result');
    }
    const inputHandle = this.callGuest(parse, [this.keep(context.newString(JSON.stringify(input)))], 'run');
    const returned = this.callGuest(entry, [inputHandle, ctx], 'run');
    const value = await this.settle(returned, 'run');
    const text = this.callGuest(stringify, [value], 'output');
    if (context.typeof(text) !== 'string') return null; // undefined, a function or a symbol: no JSON value
    const json = context.getString(text);
    const maxOutput = this.options.maxOutputBytes ?? DEFAULT_MAX_TOOL_OUTPUT_BYTES;
    if (json.length > maxOutput) throw new SandboxStop('output-too-large', `the tool's result is larger than ${maxOutput} bytes of JSON`);
    // Own `__proto__` keys are harmless to JSON.parse but not to a later Object.assign; drop them.
    return JSON.parse(json, (key, item: unknown) => (key === '__proto__' ? undefined : item)) as JsonValue;
  }

  /**
   * Turns anything thrown during the call into a structured failure. After memory exhaustion, a
   * stack overflow or anything unexplained, the WASM instance is retired rather than reused: a
   * fresh one costs about a millisecond, a subtly damaged heap could cost the next call.
   */
  classify(error: unknown): SandboxFailure {
    const failure = this.classifyOnce(error);
    if (RETIRING_FAILURES.has(failure.code)) this.instance.broken = true;
    return failure;
  }

  private classifyOnce(error: unknown): SandboxFailure {
    if (error instanceof SandboxStop) return error.failure;
    if (this.aborted) return { code: 'aborted', message: 'the tool call was aborted' };
    if (this.timedOut) return { code: 'timeout', message: `the tool ran past its ${this.options.timeoutMs} ms time limit` };
    if (error instanceof GuestThrow) return this.classifyGuestError(error);
    // Anything else came from the host side of the boundary: the instance cannot be trusted again.
    this.instance.broken = true;
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return { code: 'stack-overflow', message: 'the tool recursed too deeply (host stack exhausted)' };
    }
    if (this.nearMemoryCap()) return this.memoryFailure();
    return { code: 'sandbox-fault', message: `the sandbox failed: ${messageOf(error)}` };
  }

  dispose(): void {
    this.active = false;
    this.hostAbort.abort();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    try {
      // Host calls still in flight hold guest resolve functions; free them before the context goes.
      for (const deferred of this.pendingDeferreds) if (deferred.alive) deferred.dispose();
      this.pendingDeferreds.clear();
      for (const handle of this.handles.splice(0).reverse()) if (handle.alive) handle.dispose();
      this.context.dispose();
      this.runtime.dispose();
    } catch {
      // A leak or an abort inside QuickJS: this WASM instance's heap may be inconsistent now.
      this.instance.broken = true;
    }
  }

  private installPrelude(): [QuickJSHandle, QuickJSHandle, QuickJSHandle] {
    const { context } = this;
    const prelude = context.evalCode(QUICKJS_PRELUDE, 'lamarck-prelude.js', { type: 'global' });
    if (prelude.error !== undefined) throw new GuestThrow(this.keep(prelude.error), 'load');
    const setup = this.keep(prelude.value);
    const hostLog = this.keep(
      context.newFunction('hostLog', (level, message) => {
        this.logs.add(context.getString(level), context.getString(message));
      }),
    );
    const hosts = this.options.network?.hosts ?? [];
    const files = this.options.files;
    const fileAccess = files === undefined ? [] : [...(files.read ? ['read'] : []), ...(files.write ? ['write'] : [])];
    // No capability, no bridge: the guest then has no function at all that leads out.
    const hostCall = hosts.length === 0 && fileAccess.length === 0 ? context.undefined : this.keep(this.createHostCall());
    const capabilities = this.keep(context.newString(JSON.stringify({ network: [...hosts], files: fileAccess })));
    const parts = this.callGuest(setup, [hostLog, hostCall, capabilities], 'load');
    const ctx = this.keep(context.getProp(parts, 0));
    const parse = this.keep(context.getProp(parts, 1));
    const stringify = this.keep(context.getProp(parts, 2));
    this.describeError = this.keep(context.getProp(parts, 3));
    return [ctx, parse, stringify];
  }

  /**
   * `hostCall(operation, requestJson) -> Promise<responseJson>`: the only way out of the sandbox.
   * Every request is checked here again against what was granted; the prelude is a convenience.
   */
  private createHostCall(): QuickJSHandle {
    const { context } = this;
    return context.newFunction('hostCall', (operationHandle, requestHandle) => {
      const operation = context.getString(operationHandle);
      const requestText = context.getString(requestHandle);
      const deferred = context.newPromise();
      this.pendingDeferreds.add(deferred);
      this.hostCallCount += 1;
      // A tool looping over ctx.fetch would otherwise open sockets without bound.
      const refusal =
        this.hostCallCount > MAX_HOST_CALLS
          ? `a tool call may make at most ${MAX_HOST_CALLS} host calls (fetch, files)`
          : this.pendingHostCalls.size >= MAX_CONCURRENT_HOST_CALLS
            ? `a tool may have at most ${MAX_CONCURRENT_HOST_CALLS} host calls in flight at once`
            : undefined;
      const work = refusal === undefined ? this.performHostCall(operation, requestText) : Promise.reject(new RangeError(refusal));
      const settled = work.then(
        (responseText) => {
          if (!this.active) return;
          const value = context.newString(responseText);
          deferred.resolve(value);
          value.dispose();
        },
        (error: unknown) => {
          if (!this.active) return;
          const name = error instanceof CapabilityDeniedError ? error.name : operation === 'fetch' ? 'FetchError' : 'FileError';
          const guestError = context.newError({ name, message: messageOf(error) });
          deferred.reject(guestError);
          guestError.dispose();
        },
      );
      const tracked = settled.finally(() => {
        this.pendingHostCalls.delete(tracked);
        this.pendingDeferreds.delete(deferred);
        if (this.active && deferred.alive) deferred.dispose();
        this.wake?.();
      });
      this.pendingHostCalls.add(tracked);
      return deferred.handle;
    });
  }

  private async performHostCall(operation: string, requestText: string): Promise<string> {
    if (operation === 'fetch') {
      const network = this.options.network;
      if (network === undefined || network.hosts.length === 0) throw new CapabilityDeniedError('network access was not granted to this tool');
      return performToolFetch(requestText, network, this.hostAbort.signal);
    }
    if (operation === 'readFile' || operation === 'listFiles' || operation === 'writeFile') {
      const files = this.options.files;
      if (files === undefined) throw new CapabilityDeniedError('file access was not granted to this tool');
      return performToolFileOperation(operation, requestText, files);
    }
    throw new TypeError(`unknown host operation ${operation}`);
  }

  /** Calls a guest function; a synchronous throw becomes a GuestThrow. The result is kept for disposal. */
  private callGuest(fn: QuickJSHandle, args: QuickJSHandle[], phase: GuestPhase): QuickJSHandle {
    const result = this.context.callFunction(fn, this.context.undefined, ...args);
    if (result.error !== undefined) throw new GuestThrow(this.keep(result.error), phase);
    return this.keep(result.value);
  }

  /**
   * Drives a possibly pending promise to its end: runs queued jobs in bounded batches (so a busy
   * async loop still meets the deadline), waits for host calls (fetch), and gives up at the deadline
   * or when nothing is left that could ever settle it.
   */
  private async settle(handle: QuickJSHandle, phase: GuestPhase): Promise<QuickJSHandle> {
    for (let round = 1; ; round += 1) {
      const state = this.context.getPromiseState(handle);
      if (state.type === 'fulfilled') return state.notAPromise === true ? handle : this.keep(state.value);
      if (state.type === 'rejected') throw new GuestThrow(this.keep(state.error), phase);
      this.checkDeadline();
      if (this.runtime.hasPendingJob()) {
        const executed = this.runtime.executePendingJobs(JOB_BATCH);
        if (executed.error !== undefined) throw new GuestThrow(this.keep(executed.error), phase);
        // Let host I/O (a fetch in flight) make progress during long job chains.
        if (round % 64 === 0 && this.pendingHostCalls.size > 0) await yieldToEventLoop();
        continue;
      }
      if (this.pendingHostCalls.size > 0) {
        await this.waitForHostCallOrDeadline();
        continue;
      }
      if (this.nearMemoryCap()) throw new SandboxStop('memory-limit', this.memoryFailure().message);
      throw new SandboxStop('tool-stalled', 'the tool returned a promise that can never settle (it awaits something that never happens)');
    }
  }

  private checkDeadline(): void {
    if (performance.now() <= this.deadline) return;
    if (this.aborted) throw new SandboxStop('aborted', 'the tool call was aborted');
    this.timedOut = true;
    throw new SandboxStop('timeout', `the tool ran past its ${this.options.timeoutMs} ms time limit`);
  }

  private async waitForHostCallOrDeadline(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, Math.min(2_147_483_647, Math.max(0, this.deadline - performance.now()) + 1));
      for (const pending of this.pendingHostCalls) void pending.then(resolve);
    });
    clearTimeout(timer);
    this.wake = undefined;
  }

  private classifyGuestError(thrown: GuestThrow): SandboxFailure {
    const described = this.describe(thrown.handle);
    if (described === undefined) {
      this.instance.broken = true;
      return this.nearMemoryCap() ? this.memoryFailure() : { code: 'tool-threw', message: 'the tool threw a value that could not be read' };
    }
    const { name, message } = described;
    if (/out of memory|string too long|invalid array buffer length/i.test(message)) return this.memoryFailure();
    if (name === 'InternalError' && /stack overflow/i.test(message)) return { code: 'stack-overflow', message: 'the tool recursed too deeply (stack overflow)' };
    if (name === 'CapabilityError') return { code: 'capability-denied', message };
    if (thrown.phase === 'load' && /could not load module/.test(message)) {
      return { code: 'tool-invalid', message: `index.js may not import other modules (${message}); a tool is one self-contained file` };
    }
    if (name === 'SyntaxError' && thrown.phase === 'load') return { code: 'tool-syntax-error', message: `SyntaxError: ${message}` };
    if (message === '' && this.nearMemoryCap()) return this.memoryFailure();
    if (thrown.phase === 'output') return { code: 'output-not-json', message: `the tool's result cannot be turned into JSON: ${name}: ${message}` };
    return { code: 'tool-threw', message: `${name}: ${message}` };
  }

  /** Runs the prelude's `describe` on a guest error, with a short grace period past the deadline. */
  private describe(handle: QuickJSHandle): { name: string; message: string } | undefined {
    if (this.describeError === undefined) return undefined;
    try {
      this.deadline = performance.now() + DESCRIBE_GRACE_MS;
      const result = this.context.callFunction(this.describeError, this.context.undefined, handle);
      if (result.error !== undefined) {
        result.error.dispose();
        return undefined;
      }
      const text = this.context.getString(result.value);
      result.value.dispose();
      const parsed = JSON.parse(text) as { name?: unknown; message?: unknown };
      return { name: String(parsed.name ?? 'Error'), message: String(parsed.message ?? '') };
    } catch {
      return undefined;
    }
  }

  private nearMemoryCap(): boolean {
    // Within 2 MiB of the maximum: the guest filled its memory, whatever the error then said.
    return this.instance.memory.buffer.byteLength >= this.instance.capacityBytes - 2 * 1024 * 1024;
  }

  private memoryFailure(): SandboxFailure {
    return { code: 'memory-limit', message: `the tool exceeded its memory limit of ${Math.round(this.options.memoryLimitBytes / 1024 / 1024)} MiB` };
  }

  private keep(handle: QuickJSHandle): QuickJSHandle {
    this.handles.push(handle);
    return handle;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
