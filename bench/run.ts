/**
 * `npm run bench [-- suite... --quick --flag value]`: runs benchmark suites and prints one JSON
 * document with each suite's figures. Suites are files `bench/<name>.bench.ts` exporting
 * `run(): Promise<object>`, and optionally `options`, the flags they take (node:util parseArgs
 * form); a flag no requested suite declares is refused. Figures from one run compare with each
 * other; absolute times drift on shared machines.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

interface Suite {
  options?: ParseArgsOptionsConfig;
  run(options: { quick: boolean; flags: Record<string, string | boolean | undefined> }): Promise<Record<string, unknown>>;
}

const directory = new URL('./', import.meta.url);
const available = readdirSync(directory)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace(/\.bench\.ts$/, ''))
  .sort();
const args = process.argv.slice(2);
// Suite names first (a flag's value is never a suite name), then the flags those suites declare.
const named = args.filter((arg) => available.includes(arg));
const suites = named.length > 0 ? named : available;
const loaded = new Map<string, Suite>();
for (const name of suites) loaded.set(name, (await import(new URL(`./${name}.bench.ts`, directory).href)) as Suite);
const declared: ParseArgsOptionsConfig = { quick: { type: 'boolean' } };
for (const suite of loaded.values()) Object.assign(declared, suite.options);
let flags: Record<string, string | boolean | undefined>;
let positionals: string[];
try {
  ({ values: flags, positionals } = parseArgs({ args, options: declared, allowPositionals: true, strict: true }) as {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
  });
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(2);
}
const unknown = positionals.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown bench suite: ${unknown.join(', ')} (available: ${available.join(', ')})`);
  process.exit(2);
}
const quick = flags['quick'] === true;
// Absolute times on a shared machine depend on what else runs: the load says how busy it was.
const loadAtStart = round(os.loadavg()[0]!);
const results: Record<string, unknown> = {};
for (const name of suites) {
  const started = performance.now();
  const suite = loaded.get(name)!;
  results[name] = { ...(await suite.run({ quick, flags })), suiteSeconds: round((performance.now() - started) / 1000) };
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
