import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../core/errors.ts';
import { capacityPagesFor, compileQuickJs } from './quickjs-instance-pool.ts';
import type { JobEnding, PoolJob } from './quickjs-pool-job.ts';
import { osThreadCpuMs } from './thread-cpu-time.ts';
import type { TimeStop } from './tool-time-budget.ts';
import {
  CONTROL_ABORT,
  CONTROL_SLOTS,
  CONTROL_STATE,
  CONTROL_WAITED_MS,
  STATE_IDLE,
  STATE_KILLED,
  STATE_RUNNING,
  epochNow,
  type HostToWorker,
  type WorkerToHost,
} from './quickjs-protocol.ts';

/**
 * QuickJS runs in worker threads, never on the host's thread: a spinning tool then costs the host
 * a core, not its event loop, and a tool stuck inside one long built-in call (which QuickJS's
 * interrupt handler never sees) is ended by terminating its worker.
 *
 * - Warm: idle workers are kept (up to `maxIdleWorkers`, for `idleTimeoutMs`), each with a QuickJS
 *   instance ready; the WebAssembly is compiled once per process and shared by all workers.
 * - Bounded: a call reserves its QuickJS memory plus a worker's own overhead from
 *   `memoryBudgetBytes` while it runs; calls that do not fit wait in a FIFO queue. A call larger
 *   than the whole budget still runs, alone.
 * - Hard deadline: a worker still running `killGraceMs` after its call's limit is terminated and
 *   the call ends as `timeout`. The limit is the call's CPU time plus its host-call waits (the
 *   worker thread's CPU time read from /proc, since a guest inside one built-in call reports
 *   nothing), so a worker that waited for a core is not killed for it; the wall-clock backstop
 *   ends it whatever it used. Where the CPU time cannot be read, the wall clock decides. Who ended the call is recorded in shared memory by compare-and-swap
 *   (see quickjs-protocol.ts), so a result posted in time always wins over the kill.
 * - Lifecycle: idle workers are unref'd and never keep the process alive; a worker that dies is
 *   dropped and its call reported (ERR_WORKER_OUT_OF_MEMORY as `memory-limit`); the next call
 *   starts a new one. `close()` ends everything.
 */
export interface QuickJsPoolOptions {
  /** Memory the calls running at once may use together: their QuickJS memory plus each worker's own. Default: 1 GiB or a quarter of the machine's memory, whichever is less. */
  memoryBudgetBytes?: number;
  /** Most workers at once, busy or idle. Default: the number of cores, at least 4. */
  maxWorkers?: number;
  /** Idle workers kept warm. Default 2. */
  maxIdleWorkers?: number;
  /** How long an idle worker is kept. Default 30 s. */
  idleTimeoutMs?: number;
  /** How long past its limit a call's worker may run before it is terminated. Default 200 ms. */
  killGraceMs?: number;
  /** The JavaScript heap of each worker (not the guest's memory, which is WebAssembly memory). Default 64 MiB. */
  workerHeapMb?: number;
  /** The worker script, for hosts that bundle Lamarck and move its files; `quickjs-worker.js` beside this module by default. */
  workerUrl?: URL;
  /**
   * How much lower than the host's thread a worker schedules itself (Linux nice steps, 0 to 19).
   * Default 10: on a busy machine, four spinning tools then delay the host's timers about half as
   * much (`npm run bench -- sandbox`), and with a core to spare they run at full speed anyway.
   */
  workerNiceness?: number;
}

export interface QuickJsPoolStats {
  workers: number;
  idleWorkers: number;
  running: number;
  queued: number;
  reservedBytes: number;
  /** The most calls that ran at once, and the most memory they had reserved together. */
  peakRunning: number;
  peakReservedBytes: number;
  workersStarted: number;
  /** Workers the pool terminated because a call ran past its limit (or ignored an abort). */
  workersKilled: number;
  /** Workers that died on their own (a crash, heap exhaustion). */
  workersDied: number;
}

/** What a worker thread costs beside its guest's memory: the isolate, Node's per-thread state, the young generation. */
const WORKER_BASE_BYTES = 24 * 1024 * 1024;
const WASM_PAGE_BYTES = 65536;
/** A worker that has not started its job after this long is considered dead (it never is, short of a broken install). */
const START_TIMEOUT_MS = 60_000;

interface PoolWorker {
  readonly thread: Worker;
  readonly control: Int32Array;
  job: PoolJob | undefined;
  /** The memory limit of the last job: the worker keeps a QuickJS instance for it. */
  lastMemoryLimitBytes: number | undefined;
  /** The worker was terminated by the pool (its job was already reported). */
  ended: boolean;
  error: unknown;
  timer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  reservedBytes: number;
}

export class QuickJsPool {
  private readonly budgetBytes: number;
  private readonly maxWorkers: number;
  private readonly maxIdleWorkers: number;
  private readonly idleTimeoutMs: number;
  private readonly killGraceMs: number;
  private readonly workerHeapMb: number;
  private readonly workerNiceness: number;
  private readonly workers = new Set<PoolWorker>();
  private readonly idle: PoolWorker[] = [];
  private readonly queue: PoolJob[] = [];
  private readonly abortListeners = new Map<PoolJob, () => void>();
  private readonly workerUrl: URL;
  private compiled: Promise<object | undefined> | undefined;
  private nextJobId = 1;
  private reservedBytes = 0;
  private running = 0;
  private closed = false;
  private readonly counters = { peakRunning: 0, peakReservedBytes: 0, workersStarted: 0, workersKilled: 0, workersDied: 0 };

  constructor(options: QuickJsPoolOptions = {}) {
    this.budgetBytes = positive(options.memoryBudgetBytes, Math.min(1024 ** 3, Math.floor(os.totalmem() / 4)), 'memoryBudgetBytes');
    this.maxWorkers = Math.floor(positive(options.maxWorkers, Math.max(4, os.availableParallelism()), 'maxWorkers'));
    this.maxIdleWorkers = Math.floor(nonNegative(options.maxIdleWorkers, 2, 'maxIdleWorkers'));
    this.idleTimeoutMs = nonNegative(options.idleTimeoutMs, 30_000, 'idleTimeoutMs');
    this.killGraceMs = nonNegative(options.killGraceMs, 200, 'killGraceMs');
    this.workerHeapMb = Math.ceil(positive(options.workerHeapMb, 64, 'workerHeapMb'));
    this.workerNiceness = Math.min(19, Math.floor(nonNegative(options.workerNiceness, 10, 'workerNiceness')));
    // Running from the TypeScript sources (tests, a source checkout), the worker is a .ts file too.
    this.workerUrl = options.workerUrl ?? new URL(`./quickjs-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  }

  /** Memory a call with this limit reserves from the budget while it runs. */
  reservationFor(memoryLimitBytes: number): number {
    return capacityPagesFor(memoryLimitBytes) * WASM_PAGE_BYTES + WORKER_BASE_BYTES + this.workerHeapMb * 1024 * 1024;
  }

  /** How many calls with this memory limit can run at once. */
  concurrencyFor(memoryLimitBytes: number): number {
    return Math.max(1, Math.min(this.maxWorkers, Math.floor(this.budgetBytes / this.reservationFor(memoryLimitBytes))));
  }

  newJobId(): number {
    const id = this.nextJobId;
    this.nextJobId += 1;
    return id;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a job; it is finished exactly once, whatever happens (including `close()`). */
  submit(job: PoolJob): void {
    if (this.closed) {
      job.finish({ kind: 'closed', at: epochNow() });
      return;
    }
    if (job.signal?.aborted === true) {
      job.noteAbort(epochNow());
      job.finish({ kind: 'killed', reason: 'abort', at: epochNow() });
      return;
    }
    this.queue.push(job);
    if (job.signal !== undefined) {
      const listener = (): void => {
        // Recorded first: the kind is decided from this time, whatever ends the call afterwards.
        job.noteAbort(epochNow());
        this.abort(job);
      };
      this.abortListeners.set(job, listener);
      job.signal.addEventListener('abort', listener, { once: true });
    }
    this.pump();
  }

  /** Whether an idle worker already holds a QuickJS instance for this memory limit. */
  hasIdleWorkerFor(memoryLimitBytes: number): boolean {
    const pages = capacityPagesFor(memoryLimitBytes);
    return this.idle.some((worker) => worker.lastMemoryLimitBytes !== undefined && capacityPagesFor(worker.lastMemoryLimitBytes) === pages);
  }

  stats(): QuickJsPoolStats {
    return {
      workers: this.workers.size,
      idleWorkers: this.idle.length,
      running: this.running,
      queued: this.queue.length,
      reservedBytes: this.reservedBytes,
      ...this.counters,
    };
  }

  /** Ends every queued and running call (as `aborted`) and terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.finish(job, { kind: 'closed', at: epochNow() });
    const terminations: Promise<unknown>[] = [];
    for (const worker of [...this.workers]) {
      const job = worker.job;
      if (job !== undefined) {
        // Terminated below, so a result it may be posting right now is never read.
        Atomics.store(worker.control, CONTROL_STATE, STATE_KILLED);
        this.release(worker);
        this.finish(job, { kind: 'closed', at: epochNow() });
      }
      terminations.push(this.end(worker));
    }
    this.idle.length = 0;
    await Promise.all(terminations);
  }

  private pump(): void {
    while (!this.closed && this.queue.length > 0) {
      const job = this.queue[0]!;
      const reservation = this.reservationFor(job.memoryLimitBytes);
      if (this.running > 0 && this.reservedBytes + reservation > this.budgetBytes) return;
      let worker = this.takeIdleWorker(job.memoryLimitBytes);
      if (worker === undefined) {
        // A worker still warming up is free in a moment; starting another beside it would only
        // make both compete for the same cores. Each warming worker is kept for one queued call.
        const warming = [...this.workers].filter((candidate) => candidate.job?.kind === 'warm-up').length;
        if (job.kind === 'run' && warming >= this.queue.filter((queued) => queued.kind === 'run').length) return;
        if (this.workers.size >= this.maxWorkers) return;
        worker = this.spawn();
      }
      this.queue.shift();
      this.dispatch(job, worker, reservation);
    }
  }

  private takeIdleWorker(memoryLimitBytes: number): PoolWorker | undefined {
    if (this.idle.length === 0) return undefined;
    const pages = capacityPagesFor(memoryLimitBytes);
    // A worker that last ran the same memory limit still holds a warm instance for it.
    let index = this.idle.findLastIndex((worker) => worker.lastMemoryLimitBytes !== undefined && capacityPagesFor(worker.lastMemoryLimitBytes) === pages);
    if (index < 0) index = this.idle.length - 1;
    const [worker] = this.idle.splice(index, 1);
    clearTimeout(worker!.idleTimer);
    return worker;
  }

  private spawn(): PoolWorker {
    const buffer = new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const thread = new Worker(this.workerUrl, {
      workerData: { control: buffer, niceness: this.workerNiceness },
      // The guest never sees the worker's environment; the worker needs none either.
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: this.workerHeapMb, stackSizeMb: 4 },
    });
    const worker: PoolWorker = {
      thread,
      control: new Int32Array(buffer),
      job: undefined,
      lastMemoryLimitBytes: undefined,
      ended: false,
      error: undefined,
      timer: undefined,
      idleTimer: undefined,
      reservedBytes: 0,
    };
    this.workers.add(worker);
    this.counters.workersStarted += 1;
    thread.on('message', (message: WorkerToHost) => this.onMessage(worker, message));
    thread.on('error', (error) => {
      worker.error = error;
    });
    thread.on('exit', (exitCode) => this.onExit(worker, exitCode));
    // Messages are queued until the worker listens; `init` is always the first it reads.
    this.compiled ??= compileQuickJs();
    void this.compiled.then(
      (module) => this.post(worker, { type: 'init', module }),
      () => this.post(worker, { type: 'init', module: undefined }),
    );
    return worker;
  }

  private dispatch(job: PoolJob, worker: PoolWorker, reservation: number): void {
    worker.job = job;
    worker.lastMemoryLimitBytes = job.memoryLimitBytes;
    worker.reservedBytes = reservation;
    this.reservedBytes += reservation;
    this.running += 1;
    this.counters.peakRunning = Math.max(this.counters.peakRunning, this.running);
    this.counters.peakReservedBytes = Math.max(this.counters.peakReservedBytes, this.reservedBytes);
    Atomics.store(worker.control, CONTROL_ABORT, job.signal?.aborted === true ? 1 : 0);
    Atomics.store(worker.control, CONTROL_WAITED_MS, 0);
    Atomics.store(worker.control, CONTROL_STATE, STATE_RUNNING);
    worker.thread.ref();
    worker.timer = setTimeout(() => this.kill(worker, job, 'no-start'), START_TIMEOUT_MS);
    const send = (): void => this.post(worker, job.request());
    // The first job of a new worker waits for the compiled module, which goes first.
    if (this.compiled === undefined) send();
    else void this.compiled.then(send, send);
  }

  private onMessage(worker: PoolWorker, message: WorkerToHost): void {
    const job = worker.job;
    if (job === undefined || message.callId !== job.id) return;
    if (message.type === 'started') {
      // The worker's clock started the limit; the kill comes only after it and a grace period.
      clearTimeout(worker.timer);
      const start = { at: message.at, osThreadId: message.osThreadId, cpuMs: message.cpuMs };
      worker.timer = setTimeout(() => this.checkTime(worker, job, start), job.timeoutMs + this.killGraceMs);
      return;
    }
    if (message.type === 'done') {
      this.release(worker);
      this.finish(job, { kind: 'result', result: message.result, droppedLogLines: message.droppedLogLines, at: message.endedAt });
      this.makeIdle(worker);
      return;
    }
    job.onWorkerMessage(message, (reply) => {
      if (worker.job === job) this.post(worker, reply);
    });
  }

  /**
   * Once a job's limit and grace have passed by the wall clock: reads how much time it really used
   * (its thread's CPU time, which a busy machine does not inflate, plus its host-call waits) and
   * kills it only when that, or the wall-clock backstop, is past the limit and grace. Otherwise it
   * looks again when the limit could be reached at the earliest.
   */
  private checkTime(worker: PoolWorker, job: PoolJob, start: { at: number; osThreadId: number | undefined; cpuMs: number | undefined }): void {
    if (worker.job !== job) return;
    const now = epochNow();
    const cpuNow = osThreadCpuMs(start.osThreadId);
    if (cpuNow === undefined || start.cpuMs === undefined) {
      this.kill(worker, job, 'deadline', { limitAt: start.at + job.timeoutMs });
      return;
    }
    const usage = { cpuMs: Math.max(0, cpuNow - start.cpuMs), waitedMs: Atomics.load(worker.control, CONTROL_WAITED_MS), wallMs: now - start.at };
    const used = usage.cpuMs + usage.waitedMs;
    const usedLimit = job.timeoutMs + this.killGraceMs;
    const wallLimit = Math.max(job.timeoutMs, job.wallClockMs) + this.killGraceMs;
    if (usage.wallMs >= wallLimit) {
      this.kill(worker, job, 'deadline', { time: { by: 'wall-clock', usage }, limitAt: start.at + job.wallClockMs });
    } else if (used >= usedLimit) {
      // Used time grows no faster than the wall clock: the limit was reached at least this long ago.
      this.kill(worker, job, 'deadline', { time: { by: 'limit', usage }, limitAt: now - (used - job.timeoutMs) });
    } else {
      worker.timer = setTimeout(() => this.checkTime(worker, job, start), Math.max(1, Math.min(usedLimit - used, wallLimit - usage.wallMs)));
    }
  }

  /**
   * Ends a job whose worker ran past its time: only if the worker has not finished first (the
   * compare-and-swap decides), and then by terminating the worker, wherever its guest is.
   */
  private kill(worker: PoolWorker, job: PoolJob, reason: KillReason, evidence: { time?: TimeStop; limitAt?: number } = {}): void {
    if (worker.job !== job) return;
    if (Atomics.compareExchange(worker.control, CONTROL_STATE, STATE_RUNNING, STATE_KILLED) !== STATE_RUNNING) return;
    this.counters.workersKilled += 1;
    this.release(worker);
    // Whether an abort came before the deadline is the job's to decide, from the times it recorded.
    this.finish(job, { kind: 'killed', reason, at: epochNow(), ...evidence });
    void this.end(worker);
    this.pump();
  }

  private abort(job: PoolJob): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.finish(job, { kind: 'killed', reason: 'abort', at: epochNow() });
      return;
    }
    const worker = [...this.workers].find((candidate) => candidate.job === job);
    if (worker === undefined) return;
    // A busy guest sees the flag in its interrupt handler; one waiting on a host call gets the message.
    Atomics.store(worker.control, CONTROL_ABORT, 1);
    this.post(worker, { type: 'abort', callId: job.id });
    clearTimeout(worker.timer);
    worker.timer = setTimeout(() => this.kill(worker, job, 'abort'), this.killGraceMs);
  }

  private onExit(worker: PoolWorker, exitCode: number): void {
    this.workers.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
    clearTimeout(worker.idleTimer);
    if (worker.ended) return;
    worker.ended = true;
    this.counters.workersDied += 1;
    const job = worker.job;
    if (job !== undefined) {
      Atomics.store(worker.control, CONTROL_STATE, STATE_KILLED);
      this.release(worker);
      this.finish(job, { kind: 'worker-died', error: worker.error, exitCode, at: epochNow() });
    }
    this.pump();
  }

  private finish(job: PoolJob, ending: JobEnding): void {
    const listener = this.abortListeners.get(job);
    if (listener !== undefined) {
      this.abortListeners.delete(job);
      job.signal?.removeEventListener('abort', listener);
    }
    job.finish(ending);
  }

  /** Returns a job's reservation; the worker is then either made idle or ended. */
  private release(worker: PoolWorker): void {
    clearTimeout(worker.timer);
    worker.timer = undefined;
    worker.job = undefined;
    this.reservedBytes -= worker.reservedBytes;
    worker.reservedBytes = 0;
    this.running -= 1;
  }

  /** A worker that finished its job: it takes the next queued one, or waits idle (unref'd), or ends past `maxIdleWorkers`. */
  private makeIdle(worker: PoolWorker): void {
    Atomics.store(worker.control, CONTROL_ABORT, 0);
    Atomics.store(worker.control, CONTROL_STATE, STATE_IDLE);
    if (this.closed) {
      void this.end(worker);
      return;
    }
    this.idle.push(worker);
    this.pump();
    if (!this.idle.includes(worker)) return;
    if (this.idle.length > this.maxIdleWorkers) {
      this.idle.splice(this.idle.indexOf(worker), 1);
      void this.end(worker);
      return;
    }
    worker.thread.unref();
    worker.idleTimer = setTimeout(() => {
      const index = this.idle.indexOf(worker);
      if (index < 0) return;
      this.idle.splice(index, 1);
      void this.end(worker);
    }, this.idleTimeoutMs);
    worker.idleTimer.unref();
  }

  private end(worker: PoolWorker): Promise<unknown> {
    worker.ended = true;
    this.workers.delete(worker);
    clearTimeout(worker.idleTimer);
    clearTimeout(worker.timer);
    return worker.thread.terminate().catch(() => undefined);
  }

  private post(worker: PoolWorker, message: HostToWorker): void {
    if (worker.ended) return;
    try {
      worker.thread.postMessage(message);
    } catch {
      // The thread is gone; its exit reports the job.
    }
  }
}

type KillReason = 'deadline' | 'abort' | 'no-start';

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigError(`sandbox.${name}`, 'must be a positive number');
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 0) || !Number.isFinite(value)) throw new ConfigError(`sandbox.${name}`, 'must be zero or more');
  return value;
}
