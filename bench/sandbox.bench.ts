/**
 * Sandbox costs: a warm QuickJS tool call (target <= 5 ms median; with the process's CPU per call,
 * which a busy machine does not inflate the way it does wall time), the first tool call in a fresh
 * process (target <= 50 ms), the creation of one more QuickJS WASM instance, and the process
 * runner's spawn overhead for `true` and `python3 -c pass` next to a bare spawn.
 *
 * The QuickJS worker pool:
 * - `hostTimerLag`: how late a 10 ms host timer fires (p50/p99/max) while four tools busy-loop in the
 *   pool for 2 s, next to the same measure with nothing running (on a shared machine the idle figure
 *   is not zero). `monitorEventLoopDelay` records the whole interval between its timer's runs, the
 *   10 ms resolution included (an idle loop reads 10.1 ms), so the lag is that minus the resolution.
 *   Target: p99 under 50 ms while the tools spin. `loadAverage1m` is the machine's load when it ran.
 * - `indexOfStop`: `'a'.repeat(2n).indexOf('a'.repeat(n) + 'b')` with n = 4M under a 500 ms limit,
 *   one long built-in call that QuickJS's interrupt handler never sees: its outcome and how long the
 *   call took (on a warm worker) before the pool terminated its worker, 200 ms past the limit.
 * - `memoryBound`: twelve calls at once with a 256 MiB limit, each filling 200 MiB: how many ran
 *   at once, the budget, and the host process's peak RSS (sampled every 20 ms) above its start.
 * - `workerRssMiB`: what one more warm idle worker adds to the process's RSS (the pool reserves
 *   its estimate of this beside each call's memory).
 *
 * Cold starts run in fresh child processes (`process.execPath` on a small script; the median over
 * the processes), each timing, after the sandbox modules are imported:
 * - `noWarmUp`: the first call with nothing done before it (compiling and instantiating QuickJS,
 *   and V8 compiling each WASM function the call reaches, all inside the call);
 * - `afterWarmUp`: the first call after `warmUpQuickJs()` has finished, which is what an agent run
 *   sees: the runtime starts the warm-up when the run starts, and the first tool call comes after
 *   at least one model call, which takes longer than the warm-up (`warmUpMs` is reported);
 * - `warmUpStillRunning`: the first call issued right after the warm-up was started, unawaited (an
 *   instant model): the worst case for a runtime that warms up, to show it costs no more than none.
 * `agentFirstToolCall` runs the real agent loop in fresh processes (a scripted model whose first
 * reply calls `run_javascript`; the time from `tool-called` to `tool-finished`), with the runtime's
 * own start-up warm-up, for a model taking 0 ms (instant) and 300 ms for its first reply, and
 * with a caller-supplied runner (which turns the warm-up off) as the no-warm-up reference.
 * The target is read as the agent's first tool call with a model that takes time to reply
 * (`agentFirstToolCall.warmUpModel300Ms`, matching `afterWarmUp`); the no-warm-up figures are
 * reported next to it for hosts that do not warm up (`lamarck tools run`).
 * CPU time is given too, of the main thread and of the whole process (the worker thread that
 * compiles and runs QuickJS included): on a loaded machine, wall time also counts waiting for a core,
 * while the CPU time is what the call itself costs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseToolManifest, type LoadedTool } from '../src/sandbox/tool-manifest.ts';
import { runTool } from '../src/sandbox/run-tool.ts';
import { runProcess } from '../src/sandbox/run-process.ts';
import { acquireInstance, releaseInstance } from '../src/sandbox/quickjs-instance-pool.ts';
import { QuickJsPool, closeQuickJsPool, runInQuickJs, warmUpQuickJs } from '../src/sandbox/quickjs-sandbox.ts';
import { median, percentile, round, timeRuns } from './stats.ts';

const MiB = 1024 * 1024;

const tool: LoadedTool = {
  directory: '(bench)',
  manifest: parseToolManifest({
    name: 'bench_tool',
    description: 'Sums numbers and logs once.',
    inputSchema: { type: 'object', properties: { values: { type: 'array', items: { type: 'number' } } }, required: ['values'] },
  }),
  source: `export default async (input) => {
    console.log('summing', input.values.length);
    return { sum: input.values.reduce((total, value) => total + value, 0) };
  };`,
};
const input = { values: Array.from({ length: 100 }, (_, index) => index) };

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const toolCalls = quick ? 100 : 500;
  const spawns = quick ? 10 : 40;
  const coldStarts = quick ? 3 : 7;

  const warmCall = async (): Promise<void> => {
    const result = await runTool(tool, input, { timeoutMs: 1000, memoryLimitBytes: 16 * 1024 * 1024 });
    if (!result.ok) throw new Error(`bench tool failed: ${result.error.message}`);
  };
  // 20 untimed calls first (the worker's start and compile), then the timed ones with their CPU.
  await timeRuns(0, warmCall, 20);
  const warmCpuStarted = process.cpuUsage();
  const warm = await timeRuns(toolCalls, warmCall, 0);
  const warmCpu = process.cpuUsage(warmCpuStarted);
  // Every thread's CPU (host, worker, V8's own) per timed call.
  const warmCpuPerCallMs = (warmCpu.user + warmCpu.system) / 1000 / toolCalls;

  const noWarmUp = await measureColdStarts(coldStarts, 'none');
  const afterWarmUp = await measureColdStarts(coldStarts, 'awaited');
  const warmUpStillRunning = await measureColdStarts(coldStarts, 'concurrent');
  const agentFirstToolCall = {
    warmUpModel300Ms: await measureAgentFirstToolCall(coldStarts, 300, true),
    warmUpInstantModel: await measureAgentFirstToolCall(coldStarts, 0, true),
    noWarmUpModel300Ms: await measureAgentFirstToolCall(coldStarts, 300, false),
  };
  // Each distinct memory limit needs its own instance (the cap is the WASM memory's maximum).
  let limitMb = 100;
  const instanceCreation = await timeRuns(quick ? 10 : 30, async () => {
    limitMb += 1;
    const instance = await acquireInstance(limitMb * 1024 * 1024);
    instance.broken = true; // do not keep it pooled
    releaseInstance(instance);
  }, 2);

  await closeQuickJsPool();
  const hostTimerLag = await measureHostTimerLag();
  const indexOfStop = await measureIndexOfStop();
  const memoryBound = await measureMemoryBound(quick ? 6 : 12);
  const workerRssMiB = await measureWorkerRss();

  const runnerTrue = await timeRuns(spawns, () => runProcess({ command: ['true'], timeoutMs: 10_000 }), 2);
  const bareTrue = await timeRuns(spawns, () => bareSpawn('true'), 2);
  const runnerPython = await timeRuns(spawns, () => runProcess({ command: ['python3', '-c', 'pass'], timeoutMs: 10_000, memoryLimitMb: 256 }), 2);
  const barePython = await timeRuns(spawns, () => bareSpawn('python3', ['-c', 'pass']), 2);

  return {
    quickjsWarmCall: { calls: toolCalls, medianMs: round(median(warm), 3), p95Ms: round(percentile(warm, 0.95), 3), processCpuPerCallMs: round(warmCpuPerCallMs, 3), targetMedianMs: 5 },
    quickjsColdStart: {
      processes: coldStarts,
      definition: 'first tool call of a fresh process, after the sandbox modules are imported; target read on afterWarmUp',
      targetFirstCallMs: 50,
      noWarmUp: coldSummary(noWarmUp),
      afterWarmUp: coldSummary(afterWarmUp),
      warmUpStillRunning: coldSummary(warmUpStillRunning),
      agentFirstToolCall,
      newInstanceMedianMs: round(median(instanceCreation), 2),
    },
    hostTimerLag,
    indexOfStop,
    memoryBound,
    workerRssMiB,
    processRunner: {
      spawns,
      trueMedianMs: round(median(runnerTrue), 2),
      bareSpawnTrueMedianMs: round(median(bareTrue), 2),
      python3PassMedianMs: round(median(runnerPython), 2),
      bareSpawnPython3PassMedianMs: round(median(barePython), 2),
    },
  };
}

interface ColdStartSample {
  importMs: number;
  warmUpMs: number;
  firstMs: number;
  firstCpuMs: number;
  firstProcessCpuMs: number;
  secondMs: number;
}

function coldSummary(samples: ColdStartSample[]): Record<string, number> {
  const medianOf = (pick: (sample: ColdStartSample) => number): number => round(median(samples.map(pick)), 2);
  return {
    firstCallMedianMs: medianOf((sample) => sample.firstMs),
    firstCallMaxMs: round(Math.max(...samples.map((sample) => sample.firstMs)), 2),
    firstCallMainThreadCpuMedianMs: medianOf((sample) => sample.firstCpuMs),
    firstCallProcessCpuMedianMs: medianOf((sample) => sample.firstProcessCpuMs),
    secondCallMedianMs: medianOf((sample) => sample.secondMs),
    warmUpMedianMs: medianOf((sample) => sample.warmUpMs),
    moduleImportMedianMs: medianOf((sample) => sample.importMs),
  };
}

/** Times, in a fresh Node process each, the import of the sandbox and its first and second tool calls. */
async function measureColdStarts(count: number, warmUp: 'none' | 'awaited' | 'concurrent'): Promise<ColdStartSample[]> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'lamarck-bench-cold-'));
  const script = path.join(directory, 'cold.ts');
  const runToolUrl = new URL('../src/sandbox/run-tool.ts', import.meta.url).href;
  const manifestUrl = new URL('../src/sandbox/tool-manifest.ts', import.meta.url).href;
  const sandboxUrl = new URL('../src/sandbox/quickjs-sandbox.ts', import.meta.url).href;
  const warmUpLine = { none: '', awaited: 'await warmUpQuickJs();', concurrent: 'void warmUpQuickJs();' }[warmUp];
  writeFileSync(
    script,
    [
      'const cpuMs = () => { const usage = process.threadCpuUsage(); return (usage.user + usage.system) / 1000; };',
      'const processCpuMs = () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1000; };',
      'const importStarted = performance.now();',
      `const { runTool } = await import(${JSON.stringify(runToolUrl)});`,
      `const { parseToolManifest } = await import(${JSON.stringify(manifestUrl)});`,
      `const { warmUpQuickJs } = await import(${JSON.stringify(sandboxUrl)});`,
      'const importMs = performance.now() - importStarted;',
      `const tool = { directory: '(cold)', manifest: parseToolManifest({ name: 'cold', description: 'cold start' }), source: ${JSON.stringify(tool.source)} };`,
      'const warmUpStarted = performance.now();',
      warmUpLine,
      'const warmUpMs = performance.now() - warmUpStarted;',
      'let started = performance.now();',
      'const cpuStarted = cpuMs();',
      'const processCpuStarted = processCpuMs();',
      `const first = await runTool(tool, ${JSON.stringify(input)});`,
      'const firstMs = performance.now() - started;',
      'const firstCpuMs = cpuMs() - cpuStarted;',
      'const firstProcessCpuMs = processCpuMs() - processCpuStarted;',
      'started = performance.now();',
      `await runTool(tool, ${JSON.stringify(input)});`,
      'const secondMs = performance.now() - started;',
      'if (!first.ok) throw new Error(first.error.message);',
      'console.log(JSON.stringify({ importMs, warmUpMs, firstMs, firstCpuMs, firstProcessCpuMs, secondMs }));',
    ].join('\n'),
  );
  const samples: ColdStartSample[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
      if (child.status !== 0) throw new Error(`cold-start child failed: ${child.stderr}`);
      samples.push(JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ColdStartSample);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return samples;
}

/**
 * The first tool call of an agent run in a fresh process: `runAgent` with a scripted model whose
 * first reply (after `modelDelayMs`) calls `run_javascript`; timed from the agent's `tool-called`
 * event to its `tool-finished` event. `warmUp: false` passes the default runner explicitly, which
 * is how a caller turns the runtime's warm-up off.
 */
async function measureAgentFirstToolCall(count: number, modelDelayMs: number, warmUp: boolean): Promise<Record<string, number>> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'lamarck-bench-agent-cold-'));
  const script = path.join(directory, 'agent-cold.ts');
  const url = (relative: string): string => JSON.stringify(new URL(relative, import.meta.url).href);
  writeFileSync(
    script,
    [
      `const { runAgent } = await import(${url('../src/agent/run-agent.ts')});`,
      `const { runTool } = await import(${url('../src/sandbox/run-tool.ts')});`,
      `const { createScriptedModel } = await import(${url('../src/testing/scripted-model.ts')});`,
      `const code = ${JSON.stringify("console.log('summing'); return input.values.reduce((total, value) => total + value, 0);")};`,
      'const model = createScriptedModel({ replies: [',
      `  async () => { await new Promise((resolve) => setTimeout(resolve, ${modelDelayMs})); return { toolCalls: [{ id: 'c1', name: 'run_javascript', input: { code, input: ${JSON.stringify(input)} } }] }; },`,
      "  { toolCalls: [{ id: 'c2', name: 'final_answer', input: { answer: 'done' } }] },",
      '] });',
      'let calledAt = 0;',
      'let toolMs = -1;',
      'let failed = true;',
      'const runStarted = performance.now();',
      `const run = runAgent({ task: 'cold start', model, limits: { maxSteps: 4 }, ${warmUp ? '' : 'toolRunner: runTool, '}onEvent: (event) => {`,
      "  if (event.type === 'tool-called' && event.name === 'run_javascript') calledAt = performance.now();",
      "  if (event.type === 'tool-finished' && event.name === 'run_javascript') { toolMs = performance.now() - calledAt; failed = event.isError; }",
      '} });',
      'await run.result;',
      "if (failed) throw new Error('the run_javascript call failed');",
      'console.log(JSON.stringify({ toolMs, runMs: performance.now() - runStarted }));',
    ].join('\n'),
  );
  const toolMs: number[] = [];
  const runMs: number[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
      if (child.status !== 0) throw new Error(`agent cold-start child failed: ${child.stderr}`);
      const figures = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { toolMs: number; runMs: number };
      toolMs.push(figures.toolMs);
      runMs.push(figures.runMs);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return {
    firstToolCallMedianMs: round(median(toolMs), 2),
    firstToolCallMaxMs: round(Math.max(...toolMs), 2),
    wholeRunMedianMs: round(median(runMs), 2),
  };
}

/** How late the host's timers fire, with nothing running and then while four tools spin in the pool. */
async function measureHostTimerLag(): Promise<Record<string, unknown>> {
  const pool = new QuickJsPool({ maxWorkers: 4 });
  try {
    const spin = (): Promise<unknown> => runInQuickJs('export default () => { for (;;) {} };', null, { timeoutMs: 2000, memoryLimitBytes: 16 * MiB, pool });
    // Start the four workers first, so the figures are about spinning tools, not thread start-up.
    await Promise.all(Array.from({ length: 4 }, () => runInQuickJs('export default () => 1;', null, { timeoutMs: 30_000, memoryLimitBytes: 16 * MiB, pool })));
    const idle = await loopDelayDuring(() => new Promise((resolve) => setTimeout(resolve, 2000)));
    const spinStarted = performance.now();
    const spinning = await loopDelayDuring(() => Promise.all([spin(), spin(), spin(), spin()]));
    // Each tool runs 2 s of its thread's CPU time; on a busy machine the four take longer by the wall clock.
    return { toolsSpinning: 4, toolCpuMs: 2000, spinWallMs: round(performance.now() - spinStarted, 0), targetP99Ms: 50, loadAverage1m: round(os.loadavg()[0]!, 1), idle, spinning, workersKilled: pool.stats().workersKilled };
  } finally {
    await pool.close();
  }
}

const lagResolutionMs = 10;

/** Timer lag while `work` runs: each recorded interval less the timer's own period. */
async function loopDelayDuring(work: () => Promise<unknown>): Promise<Record<string, number>> {
  const histogram = monitorEventLoopDelay({ resolution: lagResolutionMs });
  histogram.enable();
  await work();
  // One more sampling interval, so a delay that lasted until the very end is recorded too.
  await new Promise((resolve) => setTimeout(resolve, 2 * lagResolutionMs));
  histogram.disable();
  const lateMs = (nanoseconds: number): number => round(Math.max(0, nanoseconds / 1e6 - lagResolutionMs), 2);
  return { p50Ms: lateMs(histogram.percentile(50)), p99Ms: lateMs(histogram.percentile(99)), maxMs: lateMs(histogram.max), samples: histogram.count };
}

async function measureIndexOfStop(): Promise<Record<string, unknown>> {
  const pool = new QuickJsPool();
  try {
    // A warm worker first, so the call's duration is its run and the kill, not a worker's start-up.
    await runInQuickJs('export default () => 1;', null, { timeoutMs: 30_000, memoryLimitBytes: 64 * MiB, pool });
    const source = `export default () => { const n = 4_000_000; return 'a'.repeat(2 * n).indexOf('a'.repeat(n) + 'b'); };`;
    const result = await runInQuickJs(source, null, { timeoutMs: 500, memoryLimitBytes: 64 * MiB, pool });
    return {
      n: 4_000_000,
      limitMs: 500,
      outcome: result.ok ? 'ok' : result.error.code,
      message: result.ok ? '' : result.error.message,
      durationMs: round(result.durationMs, 1),
      // The pool terminates a worker 200 ms (killGraceMs) after its call's limit, measured from the guest's start.
      killGraceMs: 200,
      workerTerminated: pool.stats().workersKilled === 1,
    };
  } finally {
    await pool.close();
  }
}

async function measureMemoryBound(calls: number): Promise<Record<string, unknown>> {
  const pool = new QuickJsPool();
  const memoryLimitBytes = 256 * MiB;
  const startRss = process.memoryUsage.rss();
  let peakRss = startRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  try {
    const source = `export default () => { const block = new Uint8Array(200 * 1024 * 1024); for (let i = 0; i < block.length; i += 4096) block[i] = 1; return block.length; };`;
    const results = await Promise.all(Array.from({ length: calls }, () => runInQuickJs(source, null, { timeoutMs: 60_000, memoryLimitBytes, pool })));
    const stats = pool.stats();
    return {
      calls,
      memoryLimitMiB: 256,
      succeeded: results.filter((result) => result.ok).length,
      concurrencyCap: pool.concurrencyFor(memoryLimitBytes),
      peakRunning: stats.peakRunning,
      peakReservedMiB: round(stats.peakReservedBytes / MiB, 1),
      peakRssAboveStartMiB: round((peakRss - startRss) / MiB, 1),
    };
  } finally {
    clearInterval(sampler);
    await pool.close();
  }
}

/** RSS added by four warm idle workers, per worker. */
async function measureWorkerRss(): Promise<number> {
  const pool = new QuickJsPool({ maxIdleWorkers: 4, maxWorkers: 4 });
  try {
    await warmUpQuickJs(16 * MiB, pool);
    const oneWorker = process.memoryUsage.rss();
    await Promise.all(Array.from({ length: 4 }, () => runInQuickJs('export default () => 1;', null, { timeoutMs: 30_000, memoryLimitBytes: 16 * MiB, pool })));
    const workers = pool.stats().workers;
    return workers > 1 ? round((process.memoryUsage.rss() - oneWorker) / (workers - 1) / MiB, 1) : Number.NaN;
  } finally {
    await pool.close();
  }
}

function bareSpawn(command: string, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}
