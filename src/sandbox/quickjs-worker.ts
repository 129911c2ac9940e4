import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { runCall, type SandboxCall } from './quickjs-call.ts';
import { acquireInstance, compileQuickJs, releaseInstance, useCompiledQuickJs, type QuickJsInstance } from './quickjs-instance-pool.ts';
import { currentOsThreadId, osThreadCpuMs } from './thread-cpu-time.ts';
import {
  CONTROL_ABORT,
  CONTROL_STATE,
  CONTROL_WAITED_MS,
  STATE_DONE,
  STATE_RUNNING,
  epochNow,
  type HostToWorker,
  type WorkerResult,
  type WorkerToHost,
} from './quickjs-protocol.ts';

/**
 * The body of a sandbox worker thread: it runs one QuickJS call at a time for the host's pool.
 * Before it posts a result it moves the shared state from RUNNING to DONE; if the host got there
 * first (KILLED), the host is terminating this thread and has already reported the call.
 */
const port = parentPort;
if (port === null) throw new Error('quickjs-worker.ts runs only as a worker thread');
const settings = workerData as { control: SharedArrayBuffer; niceness: number };
const control = new Int32Array(settings.control);
/** This thread's kernel id: the host reads the thread's CPU time through it (Linux). */
const osThreadId = currentOsThreadId();
lowerThreadPriority(settings.niceness);
/** The guest's console lines forwarded per call; the host's collector keeps at most 200 of them. */
const MAX_FORWARDED_LOG_LINES = 201;
/**
 * Runs through what typical tools do (array methods, closures, strings, numbers, objects, JSON,
 * await, try/catch, logging), so V8 has compiled those parts of QuickJS and its glue in this thread.
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

let current: { callId: number; call: SandboxCall | undefined } | undefined;
let codeWarmedUp = false;

port.on('message', (message: HostToWorker) => {
  switch (message.type) {
    case 'init':
      useCompiledQuickJs(message.module);
      return;
    case 'run':
      void run(message);
      return;
    case 'warm-up':
      void warmUp(message.callId, message.memoryLimitBytes);
      return;
    case 'host-reply':
      if (current?.callId === message.callId) current.call?.answerHostCall(message.requestId, message);
      return;
    case 'abort':
      if (current?.callId === message.callId) current.call?.abort();
      return;
  }
});

async function run(message: Extract<HostToWorker, { type: 'run' }>): Promise<void> {
  const { callId } = message;
  current = { callId, call: undefined };
  let instance: QuickJsInstance;
  try {
    // The sandbox's own start-up is not the tool's time: a QuickJS instance, and on this thread's
    // first call V8 compiling the parts of QuickJS a tool reaches (the warm-up tool). On a busy
    // machine that took over a second, so a tool with a short limit timed out on every fresh
    // worker, and its worker, terminated, left the next call a fresh one again.
    if (!codeWarmedUp) await warmUpCode(message.limits.memoryLimitBytes);
    instance = await acquireInstance(message.limits.memoryLimitBytes);
  } catch (error) {
    post({ type: 'started', callId, at: epochNow() });
    finish(callId, { ok: false, error: { code: 'sandbox-fault', message: `could not start the sandbox: ${error instanceof Error ? error.message : String(error)}` } }, 0);
    return;
  }
  // The limit counts from now: time spent queued or starting this thread is not the tool's either.
  const startedAt = epochNow();
  const limits = { ...message.limits, startedAt };
  post({ type: 'started', callId, at: startedAt, osThreadId, cpuMs: osThreadCpuMs(osThreadId) });
  let forwarded = 0;
  let dropped = 0;
  let result: WorkerResult;
  try {
    const outcome = await runCall(
      instance,
      { source: message.source, inputJson: message.inputJson, filename: message.filename, limits, capabilities: message.capabilities },
      {
        requestHostCall: (requestId, operation, requestText) => post({ type: 'host-call', callId, requestId, operation, requestText }),
        log: (level, text) => {
          if (forwarded >= MAX_FORWARDED_LOG_LINES) {
            dropped += 1;
            return;
          }
          forwarded += 1;
          post({ type: 'log', callId, level, message: text });
        },
        abortRequested: () => Atomics.load(control, CONTROL_ABORT) === 1,
        reportWaited: (totalMs) => Atomics.store(control, CONTROL_WAITED_MS, Math.min(2 ** 31 - 1, Math.round(totalMs))),
      },
      (call) => {
        current = { callId, call };
      },
    );
    releaseInstance(instance);
    result = outcome;
  } catch (error) {
    result = { ok: false, error: { code: 'sandbox-fault', message: `could not start the sandbox: ${error instanceof Error ? error.message : String(error)}` } };
  }
  finish(callId, result, dropped);
}

async function warmUp(callId: number, memoryLimitBytes: number): Promise<void> {
  post({ type: 'started', callId, at: epochNow() });
  let result: WorkerResult = { ok: true, outputJson: null };
  try {
    await compileQuickJs();
    if (codeWarmedUp) releaseInstance(await acquireInstance(memoryLimitBytes));
    else result = await warmUpCode(memoryLimitBytes);
  } catch (error) {
    result = { ok: false, error: { code: 'sandbox-fault', message: `could not start the sandbox: ${error instanceof Error ? error.message : String(error)}` } };
  }
  finish(callId, result, 0);
}

/**
 * Runs the warm-up tool once in this thread (on an instance of the call's size, kept for it). A
 * failed warm-up is tried again by the next call; real calls report their own failures.
 */
async function warmUpCode(memoryLimitBytes: number): Promise<WorkerResult> {
  const instance = await acquireInstance(memoryLimitBytes);
  const outcome = await runCall(
    instance,
    {
      source: WARM_UP_TOOL,
      inputJson: JSON.stringify({ name: 'warm-up', values: [1, 2, 3] }),
      filename: 'warm-up.js',
      limits: { startedAt: epochNow(), timeoutMs: 5000, wallClockMs: 50_000, memoryLimitBytes, stackLimitBytes: undefined, maxOutputBytes: 65536 },
      capabilities: { network: [], files: [] },
    },
    { requestHostCall: () => undefined, log: () => undefined, abortRequested: () => Atomics.load(control, CONTROL_ABORT) === 1 },
  );
  codeWarmedUp = outcome.ok;
  releaseInstance(instance);
  return outcome;
}

function finish(callId: number, result: WorkerResult, droppedLogLines: number): void {
  current = undefined;
  // Lost the race to the host's deadline: the host is terminating this thread and reported the call.
  if (Atomics.compareExchange(control, CONTROL_STATE, STATE_RUNNING, STATE_DONE) !== STATE_RUNNING) return;
  post({ type: 'done', callId, result, droppedLogLines, endedAt: epochNow() });
}

/**
 * A spinning tool should cost the host a share of a core, not its event loop's timeliness: the
 * worker thread gives itself a higher nice value than the host's thread. Linux only (elsewhere a
 * thread's priority cannot be named), and best effort: without the right, the thread runs as is.
 */
function lowerThreadPriority(niceness: number): void {
  if (osThreadId === undefined || niceness <= 0) return;
  try {
    os.setPriority(osThreadId, Math.min(19, os.getPriority(osThreadId) + niceness));
  } catch {
    // No /proc, or not allowed: run at the host's priority.
  }
}

function post(message: WorkerToHost): void {
  port?.postMessage(message);
}
