/**
 * Sandbox costs: a warm QuickJS tool call (target <= 5 ms median), the first tool call in a fresh
 * process (target <= 50 ms), the creation of one more QuickJS WASM instance, and the process
 * runner's spawn overhead for `true` and `python3 -c pass` next to a bare spawn.
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
 * Main-thread CPU time is given too: on a loaded machine, wall time also counts waiting for a core.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseToolManifest, type LoadedTool } from '../src/sandbox/tool-manifest.ts';
import { runTool } from '../src/sandbox/run-tool.ts';
import { runProcess } from '../src/sandbox/run-process.ts';
import { acquireInstance, releaseInstance } from '../src/sandbox/quickjs-instance-pool.ts';
import { median, percentile, round, timeRuns } from './stats.ts';

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

  const warm = await timeRuns(toolCalls, async () => {
    const result = await runTool(tool, input, { timeoutMs: 1000, memoryLimitBytes: 16 * 1024 * 1024 });
    if (!result.ok) throw new Error(`bench tool failed: ${result.error.message}`);
  }, 20);

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

  const runnerTrue = await timeRuns(spawns, () => runProcess({ command: ['true'], timeoutMs: 10_000 }), 2);
  const bareTrue = await timeRuns(spawns, () => bareSpawn('true'), 2);
  const runnerPython = await timeRuns(spawns, () => runProcess({ command: ['python3', '-c', 'pass'], timeoutMs: 10_000, memoryLimitMb: 256 }), 2);
  const barePython = await timeRuns(spawns, () => bareSpawn('python3', ['-c', 'pass']), 2);

  return {
    quickjsWarmCall: { calls: toolCalls, medianMs: round(median(warm), 3), p95Ms: round(percentile(warm, 0.95), 3), targetMedianMs: 5 },
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
  secondMs: number;
}

function coldSummary(samples: ColdStartSample[]): Record<string, number> {
  const medianOf = (pick: (sample: ColdStartSample) => number): number => round(median(samples.map(pick)), 2);
  return {
    firstCallMedianMs: medianOf((sample) => sample.firstMs),
    firstCallMaxMs: round(Math.max(...samples.map((sample) => sample.firstMs)), 2),
    firstCallMainThreadCpuMedianMs: medianOf((sample) => sample.firstCpuMs),
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
      `const first = await runTool(tool, ${JSON.stringify(input)});`,
      'const firstMs = performance.now() - started;',
      'const firstCpuMs = cpuMs() - cpuStarted;',
      'started = performance.now();',
      `await runTool(tool, ${JSON.stringify(input)});`,
      'const secondMs = performance.now() - started;',
      'if (!first.ok) throw new Error(first.error.message);',
      'console.log(JSON.stringify({ importMs, warmUpMs, firstMs, firstCpuMs, secondMs }));',
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

function bareSpawn(command: string, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}
