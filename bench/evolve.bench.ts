/**
 * `npm run bench -- evolve`: the evolve engine's costs.
 * - overhead: wall time per iteration (select, prompt, model call, apply, novelty, evaluate,
 *   record) with an instant scripted model and an in-process evaluator, on a real SQLite store
 *   pre-filled with 1,000 / 10,000 / 100,000 programs that the in-memory database holds in full.
 *   The runs are seeded, so each applied result is checkpointed before its record (exact resume);
 *   `unseededAtFirstSize` is the same run unseeded (a checkpoint every few records), for the ratio.
 * - pipeline: with a 200 ms model and a 500 ms evaluator, how busy the evaluation slots are.
 * - memory: resident size with the largest database loaded.
 * - resumeRebuild: the time to rebuild the in-memory database of a stored run, from record
 *   summaries with stored fingerprints (now), and from full records hashed again (as releases
 *   before the summaries did; still the path for records written without a fingerprint).
 * - modelFree: the shipped examples with numeric tuning only, over 3 seeds.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../src/core/random.ts';
import { ProgramDatabase } from '../src/evolve/database/program-database.ts';
import { encodeFingerprint, fingerprintText } from '../src/evolve/database/text-fingerprint.ts';
import { parseEngineSettings } from '../src/evolve/engine/engine-settings.ts';
import { ProgramLoader } from '../src/evolve/engine/program-loader.ts';
import { rebuildDatabase } from '../src/evolve/engine/rebuild-database.ts';
import { evolve, type EvolveOptions } from '../src/evolve/evolve.ts';
import type { EvolveEvent, EvolveSummary } from '../src/evolve/engine/events.ts';
import { createLlmDiffOperator } from '../src/evolve/operators/llm-operators.ts';
import { loadProblem } from '../src/evolve/problem/index.ts';
import type { EvaluationResult, Evaluator, Problem } from '../src/evolve/types.ts';
import { openStore } from '../src/store/open-store.ts';
import { isTransferable } from '../src/store/record-transfer.ts';
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
    const resumeRebuild: Record<string, unknown> = {};
    for (const size of sizes) {
      const figures = await measureOverhead(root, size, quick ? 120 : 400);
      overhead[String(size)] = figures.report;
      resumeRebuild[String(size)] = figures.rebuild;
      medians.push(figures.medianMs);
      memory = { programs: size, ...figures.memory };
    }
    const unseeded = await measureOverhead(root, sizes[0]!, quick ? 120 : 400, { seed: null, directory: `overhead-unseeded-${sizes[0]!}` });
    overhead['unseededAtFirstSize'] = { ...unseeded.report, seededOverUnseeded: round(medians[0]! / unseeded.medianMs, 2) };
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
      resumeRebuild,
      modelFree,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function benchProblem(directory: string, settings: Problem['settings']): Problem {
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
    // The scripted model changes one literal of a 2 KB program, which the default near-duplicate
    // threshold (0.97) rejects. At 1 every child is still compared with its look-alikes, but only
    // exact copies are rejected, so each iteration takes the full path through evaluation.
    settings: { novelty: { threshold: 1 }, ...settings },
  };
}

/** A program whose literals and filler lines vary. */
function programText(value: number, random: Random): string {
  const lines = ['# EVOLVE-BLOCK-START', `target_value = ${value}`];
  // About 2 KB, the size of a typical evolved program (the shipped examples are 1.3 to 2.1 KB).
  const count = 40 + random.integer(60);
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
export function benchEvaluator(delayMs = 0): Evaluator & { busyMs: number; firstStart: number; lastEnd: number; calls: number } {
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
export function diffModel(calls: number, delayMs: number) {
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

/**
 * What an LLM attempt stores besides its code, at sizes typical of a diff step: the prompt (parent,
 * inspirations, metrics, insights), the reply, the diff and the evaluator's stderr.
 */
const attemptTexts = (() => {
  const random = new Random(7);
  const filler = (characters: number): string => {
    const words: string[] = [];
    let length = 0;
    while (length < characters) {
      const word = `w${random.integer(5000)}`;
      words.push(word);
      length += word.length + 1;
    }
    return words.join(' ').slice(0, characters);
  };
  return { prompt: filler(3000), reply: filler(700), diff: filler(300), stderr: filler(200) };
})();

/** Fills a run with `size` stored programs (random lineage, scores and code) as fast as the store takes them. */
async function prefill(store: Store, problem: Problem, size: number): Promise<string> {
  const run = await store.createRun({ kind: 'evolve', name: 'bench', config: { problemDirectory: problem.directory } });
  const random = new Random(size);
  const ids: string[] = [];
  const started = Date.now();
  const pending: ProgramRecord[] | undefined = store.kind === 'postgres' && isTransferable(store) ? [] : undefined;
  for (let index = 0; index < size; index += 1) {
    const id = `prg_bench${String(index).padStart(7, '0')}`;
    const value = round(random.next() * 10 - 2, 6);
    const code = programText(value, random);
    const record: ProgramRecord = {
      id,
      runId: run.id,
      parentId: index === 0 ? null : ids[random.integer(ids.length)]!,
      inspirationIds: [],
      island: index === 0 ? 0 : random.integer(4),
      generation: index === 0 ? 0 : 1 + random.integer(30),
      operator: index === 0 ? 'initial' : 'llm-diff',
      files: { 'program.py': code },
      diff: index === 0 ? '' : attemptTexts.diff,
      status: 'evaluated',
      score: -((value - 3) ** 2),
      metrics: { value },
      features: {},
      artifacts: index === 0 ? {} : { stderr: attemptTexts.stderr },
      failure: null,
      model: null,
      prompt: index === 0 ? null : attemptTexts.prompt,
      reply: index === 0 ? null : attemptTexts.reply,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      timing: { proposeMs: 0, evaluateMs: 0 },
      createdAt: started + index,
      fingerprint: encodeFingerprint(fingerprintText(code)),
    };
    ids.push(id);
    // PostgreSQL takes a prefill in bulk (one round trip per thousand); SQLite as the engine writes.
    if (pending === undefined) await store.putProgram(record);
    else pending.push({ ...record, sequence: index + 1 });
    if (pending !== undefined && isTransferable(store) && (pending.length === 1000 || index === size - 1)) {
      await store.transfer.importPrograms(pending.splice(0));
    }
  }
  return run.id;
}

/** Also used by `npm run bench -- scale`, with `url` naming a PostgreSQL store. */
/** The engine settings of the overhead runs: a population that holds every prefilled program. */
export function overheadSettings(size: number): Problem['settings'] {
  return { islands: 4, populationSize: size * 2, archiveSize: 100, checkpointEvery: 50, insightsEvery: 0 };
}

export async function measureOverhead(root: string, size: number, iterations: number, options: { url?: string; seed?: number | null; directory?: string } = {}) {
  const directory = join(root, options.directory ?? `overhead-${size}`);
  const seed = options.seed === undefined ? 1 : options.seed;
  const problem = benchProblem(directory, overheadSettings(size));
  const store = await openStore({ cwd: directory, ...(options.url === undefined ? {} : { url: options.url }) });
  try {
    const fillStarted = performance.now();
    const runId = await prefill(store, problem, size);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    const rebuild = await measureRebuild(store, problem, runId);
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
      ...(seed === null ? {} : { seed }),
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
      runId,
      directory,
      medianMs,
      memory,
      rebuild,
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

/**
 * Rebuilds the stored run's database from summaries with stored fingerprints (as a resume does
 * now), and the way resumes did before summaries existed: every full record read in pages of
 * 500 and its code hashed again. The summaries path runs twice, around the other, and its faster
 * run counts (the first also warms the JIT and the page cache).
 */
async function measureRebuild(store: Store, problem: Problem, runId: string) {
  const settings = parseEngineSettings(problem.settings, problem.features);
  const loader = new ProgramLoader({ store, evolvableFiles: problem.evolvableFiles });
  const timed = async (rebuild: (database: ProgramDatabase) => Promise<number>): Promise<{ seconds: number; programs: number }> => {
    const started = performance.now();
    const programs = await rebuild(new ProgramDatabase(settings.database));
    return { seconds: (performance.now() - started) / 1000, programs };
  };
  const fromSummaries = (database: ProgramDatabase) => rebuildDatabase({ store, runId, database, loader }).then((rebuilt) => rebuilt.records);
  const fromFullRecords = async (database: ProgramDatabase): Promise<number> => {
    let after = 0;
    let records = 0;
    for (;;) {
      const page = await store.listPrograms(runId, { afterSequence: after, limit: 500 });
      for (const record of page) {
        after = record.sequence ?? after;
        records += 1;
        if (record.parentId !== null) database.noteChild(record.parentId);
        if (record.status !== 'evaluated' || record.score === null) continue;
        const fingerprint = fingerprintText(loader.textOf(record.files));
        const complete = database.space.dimensions.every((dimension) => typeof record.features[dimension.name] === 'number');
        const features = complete ? record.features : database.computeFeatures(fingerprint, record.metrics);
        database.add({ ...record, sequence: record.sequence ?? records, score: record.score, features, fingerprint });
        if (record.parentId === null) for (const island of database.islands) database.addCopy(record.id, island.index);
      }
      if (page.length < 500) break;
    }
    return records;
  };
  const first = await timed(fromSummaries);
  const before = await timed(fromFullRecords);
  const second = await timed(fromSummaries);
  const now = Math.min(first.seconds, second.seconds);
  return {
    programs: first.programs,
    sampleCodeCharacters: (await store.getProgram('prg_bench0000001'))?.files['program.py']?.length ?? 0,
    summariesSeconds: round(now, 2),
    fullRecordsSeconds: round(before.seconds, 2),
    speedup: round(before.seconds / Math.max(now, 0.001), 1),
  };
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
