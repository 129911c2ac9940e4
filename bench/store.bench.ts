/**
 * Store throughput: how fast evolve can write programs as they are evaluated, and how fast a page
 * of them reads back, at 1k / 10k / 100k programs in one run (quick: 1k / 10k). SQLite file store
 * in a temp directory, WAL mode, one put per transaction as the engine does it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { ProgramRecord } from '../src/store/types.ts';
import { median, percentile, round, timeRuns } from './stats.ts';

const programText = 'def solve(points):\n    # EVOLVE-BLOCK-START\n    total = 0\n    for x, y in points:\n        total += x * y\n    # EVOLVE-BLOCK-END\n    return total\n'.repeat(8);
const promptText = 'You are improving a program. Parent metrics and inspirations follow.\n'.repeat(20);
const replyText = '<<<<<<< SEARCH\n    total = 0\n=======\n    total = 1\n>>>>>>> REPLACE\n'.repeat(10);

function benchProgram(runId: string, index: number): ProgramRecord {
  return {
    id: `prg_bench_${index}`,
    runId,
    parentId: index === 0 ? null : `prg_bench_${Math.floor(index / 2)}`,
    inspirationIds: index < 3 ? [] : [`prg_bench_${index - 1}`, `prg_bench_${index - 2}`],
    island: index % 4,
    generation: Math.floor(Math.log2(index + 1)),
    operator: 'diff',
    files: { 'main.py': programText },
    diff: replyText.slice(0, 300),
    status: 'evaluated',
    score: (index % 997) / 997,
    metrics: { accuracy: (index % 97) / 97, runtimeMs: index % 1000, validity: 1 },
    features: { length: programText.length, complexity: index % 10 },
    artifacts: { stderr: '', feedback: 'ok' },
    failure: null,
    model: 'openai:gpt-5-mini',
    prompt: promptText,
    reply: replyText,
    tokensIn: 1500,
    tokensOut: 300,
    costUsd: 0.0009,
    timing: { proposeMs: 1200, evaluateMs: 350 },
    createdAt: 1_735_689_600_000 + index,
  };
}

async function measureSize(size: number): Promise<Record<string, unknown>> {
  const directory = mkdtempSync(join(tmpdir(), 'lamarck-bench-store-'));
  const path = join(directory, 'lamarck.db');
  try {
    const store = SqliteStore.open({ path });
    const run = await store.createRun({ kind: 'evolve', name: 'bench', config: {} });
    const latencies = new Float64Array(size);
    const started = performance.now();
    for (let index = 0; index < size; index += 1) {
      const program = benchProgram(run.id, index);
      const before = performance.now();
      await store.putProgram(program);
      latencies[index] = performance.now() - before;
    }
    const totalMs = performance.now() - started;
    const all = Array.from(latencies);
    // The latency that matters late in a run: the last 1,000 puts, with the table already full.
    const tail = all.slice(-1000);
    const replayMs = await timeRuns(200, () => store.putProgram(benchProgram(run.id, size >> 1)));
    const pageMs = await timeRuns(50, () => store.listPrograms(run.id, { afterSequence: size >> 1, limit: 100 }));
    const countMs = await timeRuns(20, () => store.countPrograms(run.id));
    await store.close();
    const bytes = statSync(path).size;
    // What doctor's PRAGMA quick_check costs at this size (it reads every page), and so why bigger stores skip it on open.
    const checked = SqliteStore.open({ path, quickCheckOnOpenMaxBytes: 0 });
    const checkStarted = performance.now();
    const problems = await checked.checkIntegrity();
    const quickCheckMs = performance.now() - checkStarted;
    await checked.close();
    if (problems.length > 0) throw new Error(`the bench store failed its check: ${problems[0]}`);
    return {
      programs: size,
      putsPerSecond: round(size / (totalMs / 1000), 0),
      putMs: { mean: round(totalMs / size), median: round(median(all)), p99: round(percentile(all, 0.99)), max: round(all.reduce((highest, value) => Math.max(highest, value), 0)) },
      putMsLast1000: { median: round(median(tail)), p99: round(percentile(tail, 0.99)) },
      duplicatePutMs: round(median(replayMs)),
      listPage100Ms: round(median(pageMs)),
      countMs: round(median(countMs)),
      quickCheckMs: round(quickCheckMs, 0),
      fileMiB: round(bytes / 2 ** 20, 2),
      bytesPerProgram: round(bytes / size, 0),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const results: Record<string, unknown>[] = [];
  for (const size of sizes) results.push(await measureSize(size));
  const sample = benchProgram('run_bench', 5);
  return { recordJsonBytes: JSON.stringify(sample).length, sizes: results };
}
