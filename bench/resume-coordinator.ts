/**
 * A coordinator in a process of its own, for `npm run bench -- scale`: resumes a stored overhead
 * run (argv: store URL, run id, problem directory, programs, iterations in all) and prints, as one
 * JSON line, its resident size once the run's database is rebuilt and after the iterations, and
 * the median time per iteration. The process that filled the store and measured the old rebuild
 * path has held every full record at some point, which its resident size keeps; this one has only
 * what a resumed coordinator holds.
 */
import { evolve } from '../src/evolve/evolve.ts';
import { createLlmDiffOperator } from '../src/evolve/operators/llm-operators.ts';
import { openStore } from '../src/store/open-store.ts';
import { benchEvaluator, benchProblem, diffModel, overheadSettings } from './evolve.bench.ts';
import { median, round } from './stats.ts';

const [url, runId, directory, programsText, iterationsText] = process.argv.slice(2) as [string, string, string, string, string];
const programs = Number(programsText);
const iterations = Number(iterationsText);
const store = await openStore({ cwd: directory, url });
try {
  const startedRss = process.memoryUsage().rss;
  const handle = evolve({
    resume: runId,
    problem: benchProblem(directory, overheadSettings(programs)),
    store,
    models: [diffModel(iterations + 10, 0)],
    operators: [createLlmDiffOperator()],
    evaluator: benchEvaluator(),
    iterations,
    seed: 1,
    concurrency: { evaluations: 1, proposals: 1 },
  });
  const ends: number[] = [];
  let rebuilt: Record<string, number> = {};
  for await (const event of handle.events) {
    if (event.type === 'run-started') {
      const usage = process.memoryUsage();
      rebuilt = { rssMb: round(usage.rss / 2 ** 20, 1), heapUsedMb: round(usage.heapUsed / 2 ** 20, 1) };
    }
    if (event.type === 'candidate-evaluated' || event.type === 'candidate-rejected') ends.push(performance.now());
  }
  await handle.result;
  const gaps = ends.slice(1).map((end, index) => end - ends[index]!);
  const steady = gaps.slice(Math.min(10, Math.floor(gaps.length / 5)));
  const finished = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({
      programs,
      iterations: steady.length,
      medianMs: round(median(steady), 3),
      rssAtStartMb: round(startedRss / 2 ** 20, 1),
      rebuilt,
      afterIterations: { rssMb: round(finished.rss / 2 ** 20, 1), heapUsedMb: round(finished.heapUsed / 2 ** 20, 1) },
    })}\n`,
  );
} finally {
  await store.close();
}
