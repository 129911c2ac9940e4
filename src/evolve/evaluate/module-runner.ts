/**
 * Runs a TypeScript or JavaScript evaluator module in its own process:
 * `node module-runner.ts <module> <program-path> [stage args...]`. The module exports
 * `evaluate(programPath, { args })` (or a default function) returning a number or
 * `{ combined_score, metrics, artifacts }`; the result is printed as the last line of stdout, the
 * same contract as a command evaluator. Self-contained: it imports nothing from Lamarck.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type EvaluateFunction = (programPath: string, options: { args: string[] }) => unknown;

const sentinel = '__lamarck_module_non_finite__';

async function main(): Promise<void> {
  const [modulePath, programPath, ...args] = process.argv.slice(2);
  if (modulePath === undefined || programPath === undefined) {
    process.stderr.write('usage: module-runner <evaluator-module> <program-path> [args...]\n');
    process.exitCode = 2;
    return;
  }
  const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  const candidate = loaded.evaluate ?? (loaded.default as Record<string, unknown> | undefined)?.evaluate ?? loaded.default;
  if (typeof candidate !== 'function') {
    process.stderr.write(`${modulePath} exports no evaluate(programPath) function\n`);
    process.exitCode = 2;
    return;
  }
  const result = await (candidate as EvaluateFunction)(resolve(programPath), { args });
  const normalized = typeof result === 'number' ? { combined_score: result } : result;
  // JSON.stringify would turn NaN into null; write the bare tokens so the host reports a non-finite score.
  const text = JSON.stringify(normalized, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? `${sentinel}${String(value)}` : value,
  );
  process.stdout.write(`\n${(text ?? 'null').replace(new RegExp(`"${sentinel}(NaN|-?Infinity)"`, 'g'), '$1')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
