/**
 * `npm run bench [-- suite...]`: runs benchmark suites and prints one JSON document with each
 * suite's figures. Suites are files `bench/<name>.bench.ts` exporting `run(): Promise<object>`.
 * Figures from one run compare with each other; absolute times drift on shared machines.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';

interface Suite {
  run(options: { quick: boolean }): Promise<Record<string, unknown>>;
}

const directory = new URL('./', import.meta.url);
const available = readdirSync(directory)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace(/\.bench\.ts$/, ''))
  .sort();
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const requested = args.filter((arg) => !arg.startsWith('--'));
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown bench suite: ${unknown.join(', ')} (available: ${available.join(', ')})`);
  process.exit(2);
}
const suites = requested.length > 0 ? requested : available;
// Absolute times on a shared machine depend on what else runs: the load says how busy it was.
const loadAtStart = round(os.loadavg()[0]!);
const results: Record<string, unknown> = {};
for (const name of suites) {
  const started = performance.now();
  const suite = (await import(new URL(`./${name}.bench.ts`, directory).href)) as Suite;
  results[name] = { ...(await suite.run({ quick })), suiteSeconds: round((performance.now() - started) / 1000) };
}
console.log(
  JSON.stringify(
    { node: process.version, cpus: os.cpus().length, loadAverage1m: loadAtStart, platform: `${process.platform}-${process.arch}`, quick, suites: results },
    null,
    2,
  ),
);

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
