/**
 * Sandbox costs: a warm QuickJS tool call (target <= 5 ms median), the first call in a fresh
 * process (target <= 50 ms), measured both straight after import and after `warmUpQuickJs()`
 * (what a host that warms up at startup sees), the creation of one more QuickJS WASM instance,
 * and the process runner's spawn overhead for `true` and `python3 -c pass` next to a bare spawn.
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

  const cold = await measureColdStarts(coldStarts, false);
  const warmedUp = await measureColdStarts(coldStarts, true);
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
      firstCallMedianMs: round(median(cold.firstCall), 2),
      moduleImportMedianMs: round(median(cold.importModule), 2),
      secondCallMedianMs: round(median(cold.secondCall), 2),
      afterWarmUp: {
        warmUpMedianMs: round(median(warmedUp.warmUp), 2),
        firstCallMedianMs: round(median(warmedUp.firstCall), 2),
        secondCallMedianMs: round(median(warmedUp.secondCall), 2),
      },
      newInstanceMedianMs: round(median(instanceCreation), 2),
      targetFirstCallMs: 50,
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

/** Times, in a fresh Node process each, the import of the sandbox and its first and second tool calls. */
async function measureColdStarts(
  count: number,
  warmUp: boolean,
): Promise<{ firstCall: number[]; importModule: number[]; secondCall: number[]; warmUp: number[] }> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'lamarck-bench-cold-'));
  const script = path.join(directory, 'cold.ts');
  const runToolUrl = new URL('../src/sandbox/run-tool.ts', import.meta.url).href;
  const manifestUrl = new URL('../src/sandbox/tool-manifest.ts', import.meta.url).href;
  const sandboxUrl = new URL('../src/sandbox/quickjs-sandbox.ts', import.meta.url).href;
  writeFileSync(
    script,
    [
      'const importStarted = performance.now();',
      `const { runTool } = await import(${JSON.stringify(runToolUrl)});`,
      `const { parseToolManifest } = await import(${JSON.stringify(manifestUrl)});`,
      `const { warmUpQuickJs } = await import(${JSON.stringify(sandboxUrl)});`,
      'const importMs = performance.now() - importStarted;',
      'const warmUpStarted = performance.now();',
      warmUp ? 'await warmUpQuickJs();' : '',
      'const warmUpMs = performance.now() - warmUpStarted;',
      `const tool = { directory: '(cold)', manifest: parseToolManifest({ name: 'cold', description: 'cold start' }), source: ${JSON.stringify(tool.source)} };`,
      'let started = performance.now();',
      `const first = await runTool(tool, ${JSON.stringify(input)});`,
      'const firstMs = performance.now() - started;',
      'started = performance.now();',
      `await runTool(tool, ${JSON.stringify(input)});`,
      'const secondMs = performance.now() - started;',
      'if (!first.ok) throw new Error(first.error.message);',
      'console.log(JSON.stringify({ importMs, warmUpMs, firstMs, secondMs }));',
    ].join('\n'),
  );
  const samples = { firstCall: [] as number[], importModule: [] as number[], secondCall: [] as number[], warmUp: [] as number[] };
  try {
    for (let index = 0; index < count; index += 1) {
      const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
      if (child.status !== 0) throw new Error(`cold-start child failed: ${child.stderr}`);
      const figures = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { importMs: number; warmUpMs: number; firstMs: number; secondMs: number };
      samples.warmUp.push(figures.warmUpMs);
      samples.firstCall.push(figures.firstMs);
      samples.importModule.push(figures.importMs);
      samples.secondCall.push(figures.secondMs);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return samples;
}

function bareSpawn(command: string, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}
