import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import type { QuickJsInstance } from './quickjs-instance-pool.ts';
import { QUICKJS_PRELUDE } from './quickjs-prelude.ts';
import { describeTimeStop, ToolTimeBudget, type TimeStop } from './tool-time-budget.ts';
import { epochNow, hostCallErrorName, hostCallRefusal, type CallLimits, type GuestCapabilities, type SandboxErrorCode, type SandboxFailure, type WorkerResult } from './quickjs-protocol.ts';

/**
 * One tool call inside a QuickJS worker: a fresh runtime and context on a pooled WASM instance,
 * with its time (CPU time plus host-call waits, under a wall-clock backstop: tool-time-budget.ts)
 * checked by the interrupt handler and between bounded batches of promise jobs,
 * a hard memory cap (the WASM memory's maximum), a stack limit, and no I/O at all except host calls
 * (fetch, files) that the host thread performs and answers. Input and output cross as JSON text,
 * so no host object or prototype is ever reachable from the guest.
 *
 * The interrupt handler only runs between bytecodes: a guest inside one long built-in call
 * (`indexOf` over megabytes) never reaches it. The host thread enforces the deadline from outside
 * by terminating the worker; this class is the fast path that ends ordinary loops in place and
 * keeps the worker reusable.
 */
export interface CallHost {
  /** Sends a host call; the answer arrives later through `SandboxCall.answerHostCall`. */
  requestHostCall(requestId: number, operation: string, requestText: string): void;
  log(level: string, message: string): void;
  /** Whether the host asked this call to stop (read from shared memory; cheap enough for the interrupt handler). */
  abortRequested(): boolean;
  /** The call has now waited this long on host calls in all (the host counts it as the call's time). */
  reportWaited?(totalMs: number): void;
}

export interface CallSpec {
  source: string;
  inputJson: string;
  filename: string;
  limits: CallLimits;
  capabilities: GuestCapabilities;
}

export const DEFAULT_STACK_LIMIT_BYTES = 256 * 1024;
/**
 * Guest frames run on the thread's native stack at roughly twice their QuickJS-measured size, and
 * past ~5 MiB they overrun the WASM C stack itself. Larger requests are clamped so QuickJS always
 * reports the overflow first.
 */
export const MAX_STACK_LIMIT_BYTES = 320 * 1024;
const MIN_STACK_LIMIT_BYTES = 64 * 1024;
const JOB_BATCH = 256;
/** A guest request larger than this is refused before it is copied out of the sandbox. */
const MAX_HOST_REQUEST_CHARS = 4 * 1024 * 1024;
const RETIRING_FAILURES = new Set<SandboxErrorCode>(['memory-limit', 'stack-overflow', 'sandbox-fault']);
/** Time allowed after a failure to turn the guest's error into a message. */
const DESCRIBE_GRACE_MS = 50;
/** Within this much of its maximum, a WASM memory is full: the guest filled it, whatever the error then said. */
const FULL_MARGIN_BYTES = 2 * 1024 * 1024;

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

/** Runs one call to its end; never throws. `onStart` receives the call, to route host answers to it. */
export async function runCall(instance: QuickJsInstance, spec: CallSpec, host: CallHost, onStart?: (call: SandboxCall) => void): Promise<WorkerResult> {
  let call: SandboxCall | undefined;
  try {
    call = new SandboxCall(instance, spec, host);
    onStart?.(call);
    return { ok: true, outputJson: await call.run() };
  } catch (error) {
    if (call === undefined) {
      instance.broken = true;
      return { ok: false, error: { code: 'sandbox-fault', message: `could not start the sandbox: ${error instanceof Error ? error.message : String(error)}` } };
    }
    return { ok: false, error: call.classify(error) };
  } finally {
    call?.dispose();
  }
}

/** One call: owns the runtime, the context and every handle it creates. */
export class SandboxCall {
  private readonly instance: QuickJsInstance;
  private readonly spec: CallSpec;
  private readonly host: CallHost;
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  private readonly handles: QuickJSHandle[] = [];
  private readonly pendingHostCalls = new Map<number, QuickJSDeferredPromise>();
  /** Promises rejected on the spot; disposed with the context, after the guest is done with them. */
  private readonly refusedHostCalls: QuickJSDeferredPromise[] = [];
  private nextRequestId = 1;
  private readonly budget: ToolTimeBudget;
  /** Set when the call's time ran out: the readings the timeout is decided and reported from. */
  private timeStop: TimeStop | undefined;
  private aborted = false;
  private active = true;
  private wake: (() => void) | undefined;
  private describeError: QuickJSHandle | undefined;

  constructor(instance: QuickJsInstance, spec: CallSpec, host: CallHost) {
    this.instance = instance;
    this.spec = spec;
    this.host = host;
    this.budget = new ToolTimeBudget(spec.limits.timeoutMs, spec.limits.wallClockMs, spec.limits.startedAt);
    this.runtime = instance.module.newRuntime();
    // QuickJS's own accounting undercounts in this build (see the instance pool); it still refuses
    // single allocations over the limit. The WASM memory maximum is the real cap.
    this.runtime.setMemoryLimit(Math.max(1024 * 1024, spec.limits.memoryLimitBytes));
    const stack = spec.limits.stackLimitBytes ?? DEFAULT_STACK_LIMIT_BYTES;
    this.runtime.setMaxStackSize(Math.min(MAX_STACK_LIMIT_BYTES, Math.max(MIN_STACK_LIMIT_BYTES, stack)));
    this.runtime.setInterruptHandler(() => this.shouldStop());
    this.context = this.runtime.newContext();
  }

  /** Runs the tool; returns its result as JSON text, or null when it returned no JSON value. */
  async run(): Promise<string | null> {
    const { context, spec } = this;
    const [ctx, parse, stringify] = this.installPrelude();
    const evaluated = context.evalCode(spec.source, spec.filename, { type: 'module' });
    if (evaluated.error !== undefined) throw new GuestThrow(this.keep(evaluated.error), 'load');
    const namespace = await this.settle(this.keep(evaluated.value), 'load');
    const entry = this.keep(context.getProp(namespace, 'default'));
    if (context.typeof(entry) !== 'function') {
      throw new SandboxStop('tool-invalid', 'index.js must `export default` a function: async (input, ctx) => result');
    }
    const inputHandle = this.callGuest(parse, [this.keep(context.newString(spec.inputJson))], 'run');
    const returned = this.callGuest(entry, [inputHandle, ctx], 'run');
    const value = await this.settle(returned, 'run');
    const text = this.callGuest(stringify, [value], 'output');
    if (context.typeof(text) !== 'string') return null; // undefined, a function or a symbol: no JSON value
    // Measured inside the sandbox first, so an oversized result is never copied into this thread's heap.
    const length = context.getNumber(this.keep(context.getProp(text, 'length')));
    const maxOutput = spec.limits.maxOutputBytes;
    if (length > maxOutput) throw new SandboxStop('output-too-large', `the tool's result is larger than ${maxOutput} bytes of JSON`);
    return context.getString(text);
  }

  /** The host's answer to a host call: resolves or rejects the guest's promise. */
  answerHostCall(requestId: number, answer: { ok: true; text: string } | { ok: false; name: string; message: string }): void {
    const deferred = this.pendingHostCalls.get(requestId);
    if (deferred === undefined || !this.active) return;
    this.pendingHostCalls.delete(requestId);
    if (deferred.alive) {
      const value = answer.ok ? this.context.newString(answer.text) : this.context.newError({ name: answer.name, message: answer.message });
      if (answer.ok) deferred.resolve(value);
      else deferred.reject(value);
      value.dispose();
      deferred.dispose();
    }
    this.wake?.();
  }

  /** Called when the host's abort message arrives while the call waits on a host call. */
  abort(): void {
    this.aborted = true;
    this.wake?.();
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

  dispose(): void {
    this.active = false;
    try {
      // Host calls still in flight hold guest resolve functions; free them before the context goes.
      for (const deferred of [...this.pendingHostCalls.values(), ...this.refusedHostCalls]) if (deferred.alive) deferred.dispose();
      this.pendingHostCalls.clear();
      for (const handle of this.handles.splice(0).reverse()) if (handle.alive) handle.dispose();
      this.context.dispose();
      this.runtime.dispose();
    } catch {
      // A leak or an abort inside QuickJS: this WASM instance's heap may be inconsistent now.
      this.instance.broken = true;
    }
  }

  /** Whether the memory reached its maximum during this call (instances are retired once they do). */
  memoryFull(): boolean {
    return this.instance.memory.buffer.byteLength >= this.instance.capacityBytes - FULL_MARGIN_BYTES;
  }

  private shouldStop(): boolean {
    if (this.host.abortRequested()) {
      this.aborted = true;
      return true;
    }
    const stop = this.budget.check();
    if (stop === undefined) return false;
    if (!this.aborted) this.timeStop ??= stop;
    return true;
  }

  private classifyOnce(error: unknown): SandboxFailure {
    if (error instanceof SandboxStop) return error.failure;
    if (this.aborted) return { code: 'aborted', message: 'the tool call was aborted' };
    if (this.timeStop !== undefined) return this.timeoutFailure(this.timeStop);
    if (error instanceof GuestThrow) return this.classifyGuestError(error);
    // Anything else came from the host side of the boundary: the instance cannot be trusted again.
    this.instance.broken = true;
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return { code: 'stack-overflow', message: 'the tool recursed too deeply (host stack exhausted)' };
    }
    if (this.memoryFull()) return this.memoryFailure();
    return { code: 'sandbox-fault', message: `the sandbox failed: ${messageOf(error)}` };
  }

  private installPrelude(): [QuickJSHandle, QuickJSHandle, QuickJSHandle] {
    const { context } = this;
    const prelude = context.evalCode(QUICKJS_PRELUDE, 'lamarck-prelude.js', { type: 'global' });
    if (prelude.error !== undefined) throw new GuestThrow(this.keep(prelude.error), 'load');
    const setup = this.keep(prelude.value);
    const hostLog = this.keep(
      context.newFunction('hostLog', (level, message) => {
        this.host.log(context.getString(level), context.getString(message));
      }),
    );
    const { network, files } = this.spec.capabilities;
    // No capability, no bridge: the guest then has no function at all that leads out.
    const hostCall = network.length === 0 && files.length === 0 ? context.undefined : this.keep(this.createHostCall());
    const capabilities = this.keep(context.newString(JSON.stringify({ network, files })));
    const parts = this.callGuest(setup, [hostLog, hostCall, capabilities], 'load');
    const ctx = this.keep(context.getProp(parts, 0));
    const parse = this.keep(context.getProp(parts, 1));
    const stringify = this.keep(context.getProp(parts, 2));
    this.describeError = this.keep(context.getProp(parts, 3));
    return [ctx, parse, stringify];
  }

  /**
   * `hostCall(operation, requestJson) -> Promise<responseJson>`: the only way out of the sandbox.
   * The host thread checks every request again against what was granted and counts them.
   */
  private createHostCall(): QuickJSHandle {
    const { context } = this;
    return context.newFunction('hostCall', (operationHandle, requestHandle) => {
      const operation = context.getString(operationHandle);
      const deferred = context.newPromise();
      const length = context.getNumber(this.keep(context.getProp(requestHandle, 'length')));
      // The total is counted by the host; the calls in flight are known at once only here.
      const refusal =
        hostCallRefusal(0, this.pendingHostCalls.size) ??
        (length <= MAX_HOST_REQUEST_CHARS ? undefined : `a host call request may be at most ${MAX_HOST_REQUEST_CHARS} characters`);
      if (refusal !== undefined) {
        const error = context.newError({ name: hostCallErrorName(operation), message: refusal });
        deferred.reject(error);
        error.dispose();
        this.refusedHostCalls.push(deferred);
        return deferred.handle;
      }
      const requestId = this.nextRequestId;
      this.nextRequestId += 1;
      this.pendingHostCalls.set(requestId, deferred);
      this.host.requestHostCall(requestId, operation, context.getString(requestHandle));
      return deferred.handle;
    });
  }

  /** Calls a guest function; a synchronous throw becomes a GuestThrow. The result is kept for disposal. */
  private callGuest(fn: QuickJSHandle, args: QuickJSHandle[], phase: GuestPhase): QuickJSHandle {
    const result = this.context.callFunction(fn, this.context.undefined, ...args);
    if (result.error !== undefined) throw new GuestThrow(this.keep(result.error), phase);
    return this.keep(result.value);
  }

  /**
   * Drives a possibly pending promise to its end: runs queued jobs in bounded batches (so a busy
   * async loop still meets the deadline), waits for host calls, and gives up at the deadline or
   * when nothing is left that could ever settle it.
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
        // Let host answers (a fetch in flight) arrive during long job chains.
        if (round % 64 === 0 && this.pendingHostCalls.size > 0) await yieldToEventLoop();
        continue;
      }
      if (this.pendingHostCalls.size > 0) {
        await this.waitForHostCallOrDeadline();
        continue;
      }
      if (this.memoryFull()) throw new SandboxStop('memory-limit', this.memoryFailure().message);
      throw new SandboxStop('tool-stalled', 'the tool returned a promise that can never settle (it awaits something that never happens)');
    }
  }

  private checkDeadline(): void {
    if (this.aborted || this.host.abortRequested()) {
      this.aborted = true;
      throw new SandboxStop('aborted', 'the tool call was aborted');
    }
    const stop = this.budget.check();
    if (stop === undefined) return;
    this.timeStop ??= stop;
    throw new SandboxStop('timeout', this.timeoutFailure(stop).message);
  }

  private timeoutFailure(stop: TimeStop): SandboxFailure {
    return { code: 'timeout', message: describeTimeStop(stop, this.spec.limits.timeoutMs, this.budget.wallClockMs) };
  }

  private async waitForHostCallOrDeadline(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waitStarted = epochNow();
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, Math.min(2_147_483_647, this.budget.waitAllowanceMs() + 1));
    });
    clearTimeout(timer);
    this.wake = undefined;
    // Waiting on what the tool asked for is the tool's time, unlike waiting for a core.
    this.budget.noteWait(epochNow() - waitStarted);
    this.host.reportWaited?.(this.budget.waitedMs);
  }

  private classifyGuestError(thrown: GuestThrow): SandboxFailure {
    const described = this.describe(thrown.handle);
    if (described === undefined) {
      this.instance.broken = true;
      return this.memoryFull() ? this.memoryFailure() : { code: 'tool-threw', message: 'the tool threw a value that could not be read' };
    }
    const { name, message } = described;
    if (/out of memory|string too long|invalid array buffer length/i.test(message)) return this.memoryFailure();
    if (name === 'InternalError' && /stack overflow/i.test(message)) return { code: 'stack-overflow', message: 'the tool recursed too deeply (stack overflow)' };
    if (name === 'CapabilityError') return { code: 'capability-denied', message };
    if (thrown.phase === 'load' && /could not load module/.test(message)) {
      return { code: 'tool-invalid', message: `index.js may not import other modules (${message}); a tool is one self-contained file` };
    }
    if (name === 'SyntaxError' && thrown.phase === 'load') return { code: 'tool-syntax-error', message: `SyntaxError: ${message}` };
    // When QuickJS runs out of memory while it builds the error itself (often inside a promise
    // job), what arrives is an empty error or a bare null. With the memory full, that is the cause.
    if (this.memoryFull() && isOutOfMemoryResidue(name, message)) return this.memoryFailure();
    if (thrown.phase === 'output') return { code: 'output-not-json', message: `the tool's result cannot be turned into JSON: ${name}: ${message}` };
    return { code: 'tool-threw', message: `${name}: ${message}` };
  }

  /** Runs the prelude's `describe` on a guest error, with a short grace period past the deadline. */
  private describe(handle: QuickJSHandle): { name: string; message: string } | undefined {
    if (this.describeError === undefined) return undefined;
    try {
      this.budget.allowGrace(DESCRIBE_GRACE_MS);
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

  private memoryFailure(): SandboxFailure {
    return { code: 'memory-limit', message: `the tool exceeded its memory limit of ${Math.round(this.spec.limits.memoryLimitBytes / 1024 / 1024)} MiB` };
  }

  private keep(handle: QuickJSHandle): QuickJSHandle {
    this.handles.push(handle);
    return handle;
  }
}

/**
 * What is left of an error when QuickJS ran out of memory while making it: an empty message, a
 * bare null, or the prelude's fallback for a value that could not be described.
 */
function isOutOfMemoryResidue(name: string, message: string): boolean {
  if (message === '') return true;
  if (name === 'thrown value') return message === 'null' || message === 'undefined';
  return name === 'unknown' && message === 'a value that cannot be described was thrown';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
