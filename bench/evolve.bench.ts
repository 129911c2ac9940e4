/**
 * `npm run bench -- evolve`: the evolve engine's costs.
 * - overhead: wall time per iteration (select, prompt, model call, apply, novelty, evaluate,
 *   record) with an instant scripted model and an in-process evaluator, on a real SQLite store
 *   pre-filled with 1,000 / 10,000 / 100,000 programs that the in-memory database holds in full.
 * - pipeline: with a 200 ms model and a 500 ms evaluator, how busy the evaluation slots are.
 * - memory: resident size with the largest database loaded.
 * - modelFree: the shipped examples with numeric tuning only, over 3 seeds.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../src/core/random.ts';
import { evolve, type EvolveOptions } from '../src/evolve/evolve.ts';
import type { EvolveEvent, EvolveSummary } from '../src/evolve/engine/events.ts';
import { createLlmDiffOperator } from '../src/evolve/operators/llm-operators.ts';
import { loadProblem } from '../src/evolve/problem/index.ts';
import type { EvaluationResult, Evaluator, Problem } from '../src/evolve/types.ts';
import { openStore } from '../src/store/open-store.ts';
import type { ProgramRecord, Store } from '../src/store/types.ts';
import { createScriptedModel, type ScriptedRequest } from '../src/testing/index.ts';
import { median, percentile, round } from './stats.ts';

const marker = /target_value = (-?[\d.]+)/;

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'lamarck-bench-evolve-'));
  try {
    const sizes = quick ? [1000, 10_000] : [1000, 10_000, 100_000];
    const overhead: Record<string, unknown> = {};
    const medians: number[] = [];
    let memory: Record<string, number> = {};
    for (const size of sizes) {
      const figures = await measureOverhead(root, size, quick ? 120 : 400);
      overhead[String(size)] = figures.report;
      medians.push(figures.medianMs);
      memory = { programs: size, ...figures.memory };
    }
    const pipeline = await measurePipeline(root, quick);
    const modelFree = await measureModelFree(quick);
    return {
      overhead: {
        ...overhead,
        growthFirstToLast: round(medians.at(-1)! / medians[0]!, 2),
        targets: 'median <= 2 ms at 10,000; growth from 1,000 to 100,000 <= 2x',
      },
      pipeline,
      memory,
      modelFree,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function benchProblem(directory: string, settings: Problem['settings']): Problem {
  mkdirSync(directory, { recursive: true });
  return {
    directory,
    name: 'bench',
    files: { 'program.py': programText(1, new Random(1)) },
    evolvableFiles: ['program.py'],
    entryFile: 'program.py',
    evaluator: { kind: 'command', command: ['true'], timeoutMs: 10_000, memoryLimitMb: 512, maxOutputBytes: 100_000, cascade: [] },
    objective: 'maximize',
    features: [
      { name: 'code-length', bins: 10 },
      { name: 'diversity', bins: 10 },
    ],
    templates: {},
    description: 'Bring the target value to 3.',
    settings,
  };
}

/** A program of a few hundred characters whose literals and filler lines vary. */
function programText(value: number, random: Random): string {
  const lines = ['# EVOLVE-BLOCK-START', `target_value = ${value}`];
  const count = 3 + random.integer(12);
  for (let index = 0; index < count; index += 1) {
    lines.push(`w${random.integer(50)} = ${round(random.next() * 10, 3)} * z${random.integer(50)} + ${random.integer(100)}`);
  }
  lines.push('# EVOLVE-BLOCK-END', 'print(target_value)', '');
  return lines.join('\n');
}

function valueOf(files: Record<string, string>): number {
  return Number(marker.exec(files['program.py'] ?? '')?.[1] ?? Number.NaN);
}

/** Scores -(v - 3)^2 in process, after an optional delay; keeps busy time for utilisation. */
function benchEvaluator(delayMs = 0): Evaluator & { busyMs: number; firstStart: number; lastEnd: number; calls: number } {
  const evaluator = {
    busyMs: 0,
    firstStart: Number.POSITIVE_INFINITY,
    lastEnd: 0,
    calls: 0,
    async evaluate(files: Record<string, string>): Promise<EvaluationResult> {
      const started = performance.now();
      evaluator.calls += 1;
      // The initial program is evaluated alone, before any parent exists: steady state starts after it.
      if (evaluator.calls === 2) evaluator.firstStart = started;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const value = valueOf(files);
      const ended = performance.now();
      if (evaluator.calls > 1) evaluator.busyMs += ended - started;
      evaluator.lastEnd = Math.max(evaluator.lastEnd, ended);
      return { ok: true, score: -((value - 3) ** 2), metrics: { value }, artifacts: {}, failure: null, stages: 1, durationMs: ended - started };
    },
  };
  return evaluator;
}

/** A scripted model whose reply edits the parent's target_value (the first one in the prompt) to a fresh value. */
function diffModel(calls: number, delayMs: number) {
  let counter = 0;
  const reply = async (request: ScriptedRequest): Promise<string> => {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const current = marker.exec(request.lastUserText)?.[1] ?? '1';
    counter += 1;
    const next = round(3 + Math.sin(counter) * (1 + 50 / counter), 9);
    return `<<<<<<< SEARCH\ntarget_value = ${current}\n=======\ntarget_value = ${next}\n>>>>>>> REPLACE\n`;
  };
  return createScriptedModel({ replies: Array.from({ length: calls }, () => reply), spec: 'scripted:bench' });
}

async function collect(options: EvolveOptions): Promise<{ summary: EvolveSummary; ends: number[]; events: EvolveEvent[] }> {
  const handle = evolve(options);
  const ends: number[] = [];
  const events: EvolveEvent[] = [];
  for await (const event of handle.events) {
    if (event.type === 'candidate-evaluated' || event.type === 'candidate-rejected') ends.push(performance.now());
    events.push(event);
  }
  return { summary: await handle.result, ends, events };
}

/** Fills a run with `size` stored programs (random lineage, scores and code) as fast as the store takes them. */
async function prefill(store: Store, problem: Problem, size: number): Promise<string> {
  const run = await store.createRun({ kind: 'evolve', name: 'bench', config: { problemDirectory: problem.directory } });
  const random = new Random(size);
  const ids: string[] = [];
  const started = Date.now();
  for (let index = 0; index < size; index += 1) {
    const id = `prg_bench${String(index).padStart(7, '0')}`;
    const value = round(random.next() * 10 - 2, 6);
    const record: ProgramRecord = {
      id,
      runId: run.id,
      parentId: index === 0 ? null : ids[random.integer(ids.length)]!,
      inspirationIds: [],
      island: index === 0 ? 0 : random.integer(4),
      generation: index === 0 ? 0 : 1 + random.integer(30),
      operator: index === 0 ? 'initial' : 'llm-diff',
      files: { 'program.py': programText(value, random) },
      diff: '',
      status: 'evaluated',
      score: -((value - 3) ** 2),
      metrics: { value },
      features: {},
      artifacts: {},
      failure: null,
      model: null,
      prompt: null,
      reply: null,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      timing: { proposeMs: 0, evaluateMs: 0 },
      createdAt: started + index,
    };
    await store.putProgram(record);
    ids.push(id);
  }
  return run.id;
}

async function measureOverhead(root: string, size: number, iterations: number) {
  const directory = join(root, `overhead-${size}`);
  const problem = benchProblem(directory, { islands: 4, populationSize: size * 2, archiveSize: 100, checkpointEvery: 50, insightsEvery: 0 });
  const store = await openStore({ cwd: directory });
  try {
    const fillStarted = performance.now();
    const runId = await prefill(store, problem, size);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    const rssBefore = process.memoryUsage().rss;
    const resumeStarted = performance.now();
    let rebuiltAt = 0;
    const operator = createLlmDiffOperator();
    const evaluator = benchEvaluator();
    const handle = evolve({
      resume: runId,
      problem,
      store,
      models: [diffModel(iterations + 10, 0)],
      operators: [operator],
      evaluator,
      iterations: size - 1 + iterations,
      seed: 1,
      concurrency: { evaluations: 1, proposals: 1 },
    });
    const ends: number[] = [];
    let memory: Record<string, number> = {};
    for await (const event of handle.events) {
      if (event.type === 'run-started') {
        rebuiltAt = performance.now();
        const usage = process.memoryUsage();
        memory = { rssMb: round(usage.rss / 2 ** 20, 1), rssGrowthMb: round((usage.rss - rssBefore) / 2 ** 20, 1), heapUsedMb: round(usage.heapUsed / 2 ** 20, 1) };
      }
      if (event.type === 'candidate-evaluated' || event.type === 'candidate-rejected') ends.push(performance.now());
    }
    const summary = await handle.result;
    // Per-iteration wall time: the gap between consecutive attempt ends (serial loop, instant model and evaluator).
    const gaps = ends.slice(1).map((end, index) => end - ends[index]!);
    const steady = gaps.slice(Math.min(10, Math.floor(gaps.length / 5)));
    const medianMs = median(steady);
    return {
      medianMs,
      memory,
      report: {
        programs: size,
        iterations: steady.length,
        medianMs: round(medianMs, 3),
        p90Ms: round(percentile(steady, 0.9), 3),
        rebuildSeconds: round((rebuiltAt - resumeStarted) / 1000, 2),
        prefillSeconds: round(fillSeconds, 2),
        failures: summary.failures,
      },
    };
  } finally {
    await store.close();
  }
}

export async function measurePipeline(root: string, quick: boolean) {
  const directory = join(root, 'pipeline');
  const evaluations = 4;
  const problem = benchProblem(directory, { islands: 2, checkpointEvery: 20, insightsEvery: 0 });
  const store = await openStore({ cwd: directory });
  try {
    const iterations = quick ? 60 : 160;
    const evaluator = benchEvaluator(500);
    const { summary } = await collect({
      problem,
      store,
      models: [diffModel(iterations * 2, 200)],
      operators: [createLlmDiffOperator()],
      evaluator,
      iterations,
      concurrency: { evaluations, proposals: 3, queue: 8 },
    });
    const spanMs = evaluator.lastEnd - evaluator.firstStart;
    const idealPerSecond = evaluations / 0.5;
    const achievedPerSecond = ((evaluator.calls - 1) * 1000) / spanMs;
    return {
      modelMs: 200,
      evaluatorMs: 500,
      evaluationSlots: evaluations,
      proposalSlots: 3,
      evaluations: summary.evaluations,
      idealEvaluationsPerSecond: idealPerSecond,
      achievedEvaluationsPerSecond: round(achievedPerSecond, 3),
      utilisation: round(evaluator.busyMs / (evaluations * spanMs), 4),
      measured: 'from the first child evaluation to the last (the initial program runs alone)',
      failures: summary.failures,
      target: 'achieved >= 90% of ideal',
    };
  } finally {
    await store.close();
  }
}

async function measureModelFree(quick: boolean) {
  const results: Record<string, unknown> = {};
  const examples = [
    { name: 'function-minimization', iterations: quick ? 4 : 40 },
    { name: 'circle-packing', iterations: quick ? 4 : 60 },
  ];
  for (const example of examples) {
    const directory = new URL(`../examples/${example.name}`, import.meta.url).pathname;
    if (!existsSync(join(directory, 'lamarck.json'))) {
      results[example.name] = { skipped: 'example not present' };
      continue;
    }
    const problem = await loadProblem(directory);
    const runs: Record<string, unknown>[] = [];
    for (const seed of [1, 2, 3]) {
      const storeDirectory = mkdtempSync(join(tmpdir(), 'lamarck-bench-model-free-'));
      const store = await openStore({ cwd: storeDirectory });
      const started = performance.now();
      try {
        const { summary } = await collect({ problem, store, iterations: example.iterations, seed, concurrency: { evaluations: 2 } });
        runs.push({ seed, initialScore: summary.initialScore, bestScore: summary.bestScore, evaluations: summary.evaluations, wallSeconds: round((performance.now() - started) / 1000, 2), failures: summary.failures });
      } finally {
        await store.close();
        rmSync(storeDirectory, { recursive: true, force: true });
      }
    }
    const bests = runs.map((entry) => entry['bestScore'] as number);
    results[example.name] = {
      iterations: example.iterations,
      runs,
      bestScore: { min: Math.min(...bests), median: median(bests), max: Math.max(...bests) },
    };
  }
  return results;
}
