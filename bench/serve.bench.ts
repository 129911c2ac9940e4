/**
 * The dashboard's page-data latency and live-update lag (`npm run bench -- serve`).
 *
 * - pageData: for an evolve run of 10,000 programs (and 100,000 without --quick) in a SQLite file,
 *   each API call the evolve pages make, over real HTTP on 127.0.0.1: a cold pass in page order
 *   (the first call builds the run's in-memory index; the run page starts the population rebuild)
 *   and then the median and p95 of repeated calls. Goal: ≤ 200 ms median per call at 10k.
 * - sseLag: a second connection to the same file (as the running `lamarck evolve` would be) appends
 *   one program at a time; the time from its write returning to the `update` event arriving on an
 *   open `/api/live` stream, at the default poll interval (500 ms) and at 100 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFingerprint, fingerprintText } from '../src/evolve/index.ts';
import { Library } from '../src/library/library.ts';
import { startDashboard } from '../src/serve/dashboard-server.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { Store } from '../src/store/types.ts';
import { programRecord } from '../test/serve/support/program-records.ts';
import { median, percentile, round } from './stats.ts';

async function fillRun(store: Store, size: number): Promise<string> {
  const run = await store.createRun({ kind: 'evolve', name: `bench ${size}`, config: { concurrency: { proposals: 4, evaluations: 4, queue: 8 } } });
  for (let index = 0; index < size; index += 1) {
    const program = programRecord(run.id, index);
    await store.putProgram({ ...program, fingerprint: encodeFingerprint(fingerprintText(Object.values(program.files).join('\n'))) });
  }
  return run.id;
}

async function timeCall(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return performance.now() - started;
}

async function pageData(size: number, samples: number): Promise<Record<string, unknown>> {
  const directory = mkdtempSync(join(tmpdir(), 'lamarck-bench-serve-'));
  try {
    const path = join(directory, 'lamarck.db');
    const writer = SqliteStore.open({ path });
    const filling = performance.now();
    const runId = await fillRun(writer, size);
    const fillSeconds = (performance.now() - filling) / 1000;
    await writer.close();
    const store = SqliteStore.open({ path });
    const dashboard = await startDashboard({ store, library: new Library({ store }), port: 0 });
    try {
      const program = `prg_${runId}_${Math.floor(size / 2)}`;
      const calls: Record<string, string> = {
        runs: '/api/runs',
        run: `/api/runs/${runId}`,
        series: `/api/runs/${runId}/series?points=600`,
        tree: `/api/runs/${runId}/tree`,
        population: `/api/runs/${runId}/population`,
        programsTop: `/api/runs/${runId}/programs?view=top&limit=50`,
        programsFailedPage: `/api/runs/${runId}/programs?view=failed&limit=50&offset=200`,
        failures: `/api/runs/${runId}/failures`,
        models: `/api/runs/${runId}/models`,
        throughput: `/api/runs/${runId}/throughput?points=150`,
        insights: `/api/runs/${runId}/insights`,
        program: `/api/programs/${program}`,
        treeExpand: `/api/runs/${runId}/tree?root=${program}&depth=4&limit=800`,
        compare: `/api/compare?runs=${runId}`,
      };
      // A cold pass (what a user opening each tab in turn waits for: the index is built on the first
      // call, the population rebuilt in the background from the run page on), then warm samples.
      const first: Record<string, number> = {};
      for (const [name, path] of Object.entries(calls)) first[name] = await timeCall(`${dashboard.url}${path}`);
      const figures: Record<string, { firstMs: number; medianMs: number; p95Ms: number }> = {};
      for (const [name, path] of Object.entries(calls)) {
        const times: number[] = [];
        for (let index = 0; index < samples; index += 1) times.push(await timeCall(`${dashboard.url}${path}`));
        figures[name] = { firstMs: round(first[name]!, 1), medianMs: round(median(times), 1), p95Ms: round(percentile(times, 0.95), 1) };
      }
      const medians = Object.values(figures).map((figure) => figure.medianMs);
      return {
        programs: size,
        fillSeconds: round(fillSeconds, 1),
        calls: figures,
        worstMedianMs: Math.max(...medians),
        callsOverGoal: Object.entries(figures)
          .filter(([, figure]) => figure.medianMs > 200)
          .map(([name]) => name),
      };
    } finally {
      await dashboard.close();
      await store.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Reads `update` events from an open stream and hands each to `onUpdate`. */
async function openStream(url: string, onUpdate: (data: { runId: string | null; programs?: number }) => void): Promise<{ ready: Promise<void>; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/live`, { signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          boundary = buffer.indexOf('\n\n');
          const event = /^event: ?(.*)$/m.exec(block)?.[1];
          const data = /^data: ?(.*)$/m.exec(block)?.[1] ?? '';
          if (event === 'hello') markReady();
          if (event === 'update') onUpdate(JSON.parse(data) as { runId: string | null; programs?: number });
        }
      }
    } catch {
      // Aborted at the end of the measurement.
    }
  })();
  return { ready, close: () => controller.abort() };
}

async function sseLag(pollMs: number, samples: number): Promise<Record<string, unknown>> {
  const directory = mkdtempSync(join(tmpdir(), 'lamarck-bench-sse-'));
  try {
    const path = join(directory, 'lamarck.db');
    const writer = SqliteStore.open({ path });
    const runId = await fillRun(writer, 100);
    const store = SqliteStore.open({ path });
    const dashboard = await startDashboard({ store, library: new Library({ store }), port: 0, pollMs });
    const waiting = new Map<number, (at: number) => void>();
    const stream = await openStream(dashboard.url, (update) => {
      if (update.runId === runId && update.programs !== undefined) waiting.get(update.programs)?.(performance.now());
    });
    try {
      await stream.ready;
      const lags: number[] = [];
      for (let sample = 0; sample < samples; sample += 1) {
        const index = 100 + sample;
        const arrived = new Promise<number>((resolve) => waiting.set(index + 1, resolve));
        // Writes land at a random point of the poll cycle, as a real run's do.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * pollMs));
        await writer.putProgram(programRecord(runId, index));
        const written = performance.now();
        lags.push((await arrived) - written);
      }
      return { pollMs, samples, medianMs: round(median(lags), 1), p95Ms: round(percentile(lags, 0.95), 1), maxMs: round(Math.max(...lags), 1) };
    } finally {
      stream.close();
      await dashboard.close();
      await store.close();
      await writer.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const sizes = quick ? [10_000] : [10_000, 100_000];
  const pages: Record<string, unknown>[] = [];
  for (const size of sizes) pages.push(await pageData(size, quick ? 7 : 15));
  return {
    goal: 'median per API call <= 200 ms at 10,000 programs',
    pageData: pages,
    sseLag: [await sseLag(500, quick ? 8 : 20), await sseLag(100, quick ? 8 : 20)],
  };
}
