/**
 * `npm run bench -- evolve-quality`: how much `evolve` gets out of its samples, over 5 seeds each
 * (median and spread), on the shipped examples with their real evaluators.
 * - modelFree: the numeric tuner alone. Goals: function-minimization median >= 1.47 in 200
 *   evaluations (above the 1.468 that OpenEvolve's LLM-evolved program scores under this
 *   evaluator); circle packing >= 2.45 in 100; js-bin-packing reported.
 * - yield: a scripted model that writes small one- and two-line SEARCH/REPLACE diffs (the kind
 *   AlphaEvolve-style models mostly write) on function-minimization. Goal: >= 80% of its proposals
 *   evaluated; also the share of improvements that came from the tuner (its own draws and its
 *   bursts) and from hybrid bursts alone (children whose parent draw was 'burst').
 * `--quick` runs 2 seeds and a tenth of the evaluations, to check the suite works.
 * `--only <part>` runs one part (function-minimization, circle-packing, js-bin-packing or yield) and
 * `--seeds 1,2,3` chooses the seeds. Seeds run one after another, and the suite lowers its own
 * priority (nice 10, inherited by the evaluators) so a long run leaves the machine usable.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import type { ParseArgsOptionsConfig } from 'node:util';
import { join } from 'node:path';
import { definedOnly } from '../src/core/defined-only.ts';
import { Random } from '../src/core/random.ts';
import type { EvolveEvent, EvolveSummary } from '../src/evolve/engine/events.ts';
import { evolve, type EvolveOptions } from '../src/evolve/evolve.ts';
import { loadProblem } from '../src/evolve/problem/index.ts';
import { openStore } from '../src/store/open-store.ts';
import { createScriptedModel, type ScriptedRequest } from '../src/testing/index.ts';
import { median, round } from './stats.ts';

const defaultSeeds = [1, 2, 3, 4, 5];
const examples = [
  { name: 'function-minimization', iterations: 200, goal: 1.47 },
  { name: 'circle-packing', iterations: 100, goal: 2.45 },
  { name: 'js-bin-packing', iterations: 100, goal: null },
] as const;
const parts = [...examples.map((example) => example.name), 'yield'] as const;
const niceness = 10;

export const options: ParseArgsOptionsConfig = {
  only: { type: 'string' },
  seeds: { type: 'string' },
};

export async function run({ quick, flags = {} }: { quick: boolean; flags?: Record<string, string | boolean | undefined> }): Promise<Record<string, unknown>> {
  const only = typeof flags['only'] === 'string' ? flags['only'] : undefined;
  if (only !== undefined && !(parts as readonly string[]).includes(only)) {
    throw new Error(`evolve-quality: --only must be one of ${parts.join(', ')}, not ${JSON.stringify(only)}`);
  }
  const useSeeds = typeof flags['seeds'] === 'string' ? parseSeeds(flags['seeds']) : quick ? defaultSeeds.slice(0, 2) : defaultSeeds;
  const scale = (iterations: number): number => (quick ? Math.max(4, Math.round(iterations / 10)) : iterations);
  lowerPriority();
  const modelFree: Record<string, unknown> = {};
  for (const example of examples) {
    if (only !== undefined && only !== example.name) continue;
    modelFree[example.name] = await measureExample(example.name, scale(example.iterations), useSeeds, example.goal);
  }
  const yieldFigures = only === undefined || only === 'yield' ? await measureYield(scale(60), useSeeds) : undefined;
  return { seeds: useSeeds, ...definedOnly({ only }), modelFree, ...definedOnly({ yield: yieldFigures }) };
}

/** `1,2,3` -> [1, 2, 3]; anything but positive integers is refused by name. */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((part) => part.trim());
  if (seeds.length === 0 || seeds.some((part) => !/^\d+$/.test(part) || Number(part) === 0)) {
    throw new Error(`evolve-quality: --seeds must be positive integers separated by commas, such as 1,2,3, not ${JSON.stringify(text)}`);
  }
  return seeds.map(Number);
}

/** Evaluators inherit the priority, so the whole run yields to interactive work. */
function lowerPriority(): void {
  try {
    if (os.getPriority() < niceness) os.setPriority(niceness);
  } catch {
    // Not permitted here: the run goes on at the priority it was given.
  }
}

async function measureExample(name: string, iterations: number, useSeeds: readonly number[], goal: number | null) {
  const directory = new URL(`../examples/${name}`, import.meta.url).pathname;
  if (!existsSync(join(directory, 'lamarck.json'))) return { skipped: 'example not present' };
  const problem = await loadProblem(directory);
  const runs: Record<string, unknown>[] = [];
  for (const seed of useSeeds) {
    const { summary, wallSeconds } = await runOnce({ problem, iterations, seed, concurrency: { evaluations: 2 } });
    console.error(`evolve-quality ${name} seed ${seed}: best ${summary.bestScore} in ${wallSeconds} s (load ${round(os.loadavg()[0]!, 2)})`);
    runs.push({
      seed,
      loadAverage1m: round(os.loadavg()[0]!, 2),
      initialScore: summary.initialScore,
      bestScore: summary.bestScore,
      evaluations: summary.evaluations,
      rejections: summary.rejections,
      failures: summary.failures,
      wallSeconds,
    });
  }
  const bests = runs.map((entry) => entry['bestScore'] as number);
  const bestMedian = median(bests);
  return {
    iterations,
    bestScore: { min: Math.min(...bests), median: bestMedian, max: Math.max(...bests) },
    ...(goal === null ? {} : { goal, goalMet: bestMedian >= goal }),
    runs,
  };
}

/**
 * Yield with a model that edits one or two of the literal lines of the parent, as a model that
 * nudges constants does. Improvements are attributed by the operator of each new best.
 */
async function measureYield(iterations: number, useSeeds: readonly number[]) {
  const directory = new URL('../examples/function-minimization', import.meta.url).pathname;
  const problem = await loadProblem(directory);
  const runs: Record<string, unknown>[] = [];
  for (const seed of useSeeds) {
    const model = smallDiffModel(iterations * 2, seed);
    const { summary, events, wallSeconds } = await runOnce({ problem, iterations, seed, models: [model], concurrency: { evaluations: 2 } });
    let proposedByModel = 0;
    let evaluatedFromModel = 0;
    const improvementsBy: Record<string, number> = {};
    // Which parent draw each attempt came from: a hybrid burst's children are drawn as 'burst'.
    const drawOf = new Map<number, string>();
    let fromBursts = 0;
    let best = Number.NEGATIVE_INFINITY;
    for (const event of events) {
      if (event.type === 'candidate-proposed') {
        drawOf.set(event.iteration, event.draw);
        if (event.operator.startsWith('llm-')) proposedByModel += 1;
      }
      if (event.type === 'candidate-evaluated') {
        if (event.operator.startsWith('llm-')) evaluatedFromModel += 1;
        if (event.score !== null && event.score > best) {
          if (best !== Number.NEGATIVE_INFINITY) {
            improvementsBy[event.operator] = (improvementsBy[event.operator] ?? 0) + 1;
            if (drawOf.get(event.iteration) === 'burst') fromBursts += 1;
          }
          best = event.score;
        }
      }
    }
    const improvements = Object.values(improvementsBy).reduce((sum, count) => sum + count, 0);
    console.error(`evolve-quality yield seed ${seed}: ${evaluatedFromModel}/${proposedByModel} model proposals evaluated in ${wallSeconds} s`);
    runs.push({
      seed,
      loadAverage1m: round(os.loadavg()[0]!, 2),
      bestScore: summary.bestScore,
      proposedByModel,
      evaluatedFromModel,
      modelYield: proposedByModel === 0 ? null : round(evaluatedFromModel / proposedByModel, 3),
      improvementsBy,
      tunerShareOfImprovements: improvements === 0 ? null : round((improvementsBy['numeric-tune'] ?? 0) / improvements, 3),
      burstShareOfImprovements: improvements === 0 ? null : round(fromBursts / improvements, 3),
      rejections: summary.rejections,
      failures: summary.failures,
      wallSeconds,
    });
  }
  const yields = runs.map((entry) => entry['modelYield']).filter((value): value is number => typeof value === 'number');
  const shares = runs.map((entry) => entry['tunerShareOfImprovements']).filter((value): value is number => typeof value === 'number');
  const burstShares = runs.map((entry) => entry['burstShareOfImprovements']).filter((value): value is number => typeof value === 'number');
  return {
    iterations,
    modelYield: { min: Math.min(...yields), median: median(yields), max: Math.max(...yields), goal: 0.8, goalMet: median(yields) >= 0.8 },
    tunerShareOfImprovements: shares.length === 0 ? null : { min: Math.min(...shares), median: median(shares), max: Math.max(...shares) },
    burstShareOfImprovements: burstShares.length === 0 ? null : { min: Math.min(...burstShares), median: median(burstShares), max: Math.max(...burstShares) },
    runs,
  };
}

async function runOnce(options: EvolveOptions): Promise<{ summary: EvolveSummary; events: EvolveEvent[]; wallSeconds: number }> {
  const storeDirectory = mkdtempSync(join(tmpdir(), 'lamarck-bench-quality-'));
  const store = await openStore({ cwd: storeDirectory });
  const started = performance.now();
  try {
    const handle = evolve({ ...options, store });
    const events: EvolveEvent[] = [];
    for await (const event of handle.events) events.push(event);
    return { summary: await handle.result, events, wallSeconds: round((performance.now() - started) / 1000, 1) };
  } finally {
    await store.close();
    rmSync(storeDirectory, { recursive: true, force: true });
  }
}

const literalLines = [/^( *iterations = )(\d+)$/m, /^( *local_probability = )([\d.]+)$/m, /^( *step_size = )([\d.]+)$/m];

/** Replies with a SEARCH/REPLACE diff that moves one literal line of the current program, or two adjacent ones. */
function smallDiffModel(calls: number, seed: number) {
  const random = new Random(seed * 7919);
  const reply = (request: ScriptedRequest): string => {
    const text = request.lastUserText;
    const start = text.indexOf('# Current program');
    const program = start < 0 ? text : text.slice(start);
    const first = random.integer(literalLines.length);
    const chosen = random.next() < 0.5 || first === literalLines.length - 1 ? [first] : [first, first + 1];
    const searchLines: string[] = [];
    const replaceLines: string[] = [];
    for (const index of chosen) {
      const match = literalLines[index]!.exec(program);
      if (match === null) return 'I could not find the line to change.';
      const value = Number(match[2]);
      const factor = Math.exp((random.next() - 0.5) * 1.5);
      const next = index === 0 ? Math.max(2, Math.round(value * factor)) : round(Math.min(index === 1 ? 1 : 5, value * factor), 4);
      searchLines.push(`${match[1]}${match[2]}`);
      replaceLines.push(`${match[1]}${next}`);
    }
    return `Nudging ${chosen.length} constant(s).\n<<<<<<< SEARCH\n${searchLines.join('\n')}\n=======\n${replaceLines.join('\n')}\n>>>>>>> REPLACE\n`;
  };
  return createScriptedModel({ replies: Array.from({ length: calls }, () => reply), spec: 'scripted:small-diffs' });
}
