/**
 * `lamarck mcp` figures (`npm run bench -- mcp`), on a SQLite store holding a 10,000-item library
 * (2,000 with --quick): 2,000 skills and 8,000 lessons.
 *
 * - searchLatency: `search_library` (k = 10) round trips from the SDK client to a real
 *   `lamarck mcp` process, over stdio and over Streamable HTTP on 127.0.0.1, one request at a time.
 *   Goal: median at most 10 ms at 10k. `inProcessSearch` is the same searches on the index alone,
 *   to tell retrieval from transport.
 * - concurrentClients: 1, 4 and 16 SDK clients, each with its own HTTP session on one server,
 *   searching at once: throughput and per-request latency.
 * - startup: from spawning `lamarck mcp` (stdio) to its first answer (reads and indexes the store).
 *   `headReads` is the part of it that reads each item's head version: one store read per item
 *   (as the index did before) against one bulk read (`getVersions`), taking turns three times in
 *   one process, and a whole fresh index sync.
 * - inProcessSearch.watchTickMedianMs: one look at the store by the change watcher when nothing
 *   changed (what each --poll-ms tick costs; it reads the store's change mark), beside
 *   artifactListMedianMs, the read of every artifact row a look made before the mark.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { Random } from '../src/core/random.ts';
import { Library } from '../src/library/library.ts';
import { LibraryIndex } from '../src/library/retrieval/library-index.ts';
import { openMcpLibrary } from '../src/mcp/open-mcp-library.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import { connectHttp, connectStdio, startHttpCli } from '../test/mcp/support.ts';
import { median, percentile, round } from './stats.ts';

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const itemCount = quick ? 2_000 : 10_000;
  const samples = quick ? 100 : 400;
  const directory = mkdtempSync(join(tmpdir(), 'lamarck-bench-mcp-'));
  try {
    const storePath = join(directory, 'lamarck.db');
    const words = vocabulary();
    const fillSeconds = await fillLibrary(storePath, itemCount, words);
    const queries = Array.from({ length: 200 }, (_, index) => queryOf(new Random(1000 + index), words));
    return {
      // Round trips between two processes are mostly scheduling on a busy machine: say how busy.
      loadAverage1m: round(loadavg()[0]!, 1),
      items: itemCount,
      fillSeconds: round(fillSeconds, 1),
      inProcessSearch: await inProcessSearch(storePath, queries, samples),
      headReads: await headReads(storePath),
      ...(await overTransports(directory, storePath, queries, samples)),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** 3,000 words drawn Zipf-like, as in natural text: a few common, most rare. */
function vocabulary(): { pick(random: Random): string } {
  const terms = Array.from({ length: 3_000 }, (_, index) => `w${index.toString(36)}x`);
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= terms.length; rank += 1) {
    total += 1 / rank;
    cumulative.push(total);
  }
  return {
    pick(random) {
      const target = random.next() * total;
      let low = 0;
      let high = cumulative.length - 1;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (cumulative[middle]! < target) low = middle + 1;
        else high = middle;
      }
      return terms[low]!;
    },
  };
}

function sentence(random: Random, words: { pick(random: Random): string }, length: number): string {
  return Array.from({ length }, () => words.pick(random)).join(' ');
}

function queryOf(random: Random, words: { pick(random: Random): string }): string {
  return sentence(random, words, 3 + Math.floor(random.next() * 5));
}

async function fillLibrary(storePath: string, itemCount: number, words: { pick(random: Random): string }): Promise<number> {
  const started = performance.now();
  const store = SqliteStore.open({ path: storePath });
  try {
    const library = new Library({ store });
    const random = new Random(7);
    const skills = Math.round(itemCount * 0.2);
    await library.batch(async () => {
      for (let index = 0; index < itemCount; index += 1) {
        if (index < skills) {
          await library.add('skill', `skill-${index}`, {
            description: sentence(random, words, 12),
            body: `# Steps\n\n1. ${sentence(random, words, 15)}\n2. ${sentence(random, words, 15)}\n`,
            files: {},
          });
        } else {
          await library.add('lesson', `lesson-${index}`, { title: sentence(random, words, 4), text: sentence(random, words, 25), type: 'strategy', when: sentence(random, words, 6), tags: [] });
        }
      }
    });
  } finally {
    await store.close();
  }
  return (performance.now() - started) / 1000;
}

async function inProcessSearch(storePath: string, queries: readonly string[], samples: number): Promise<Record<string, unknown>> {
  const store = SqliteStore.open({ path: storePath });
  const served = await openMcpLibrary({ library: new Library({ store }), tokenBudget: 1200, maxItems: 6, pollMs: 60_000, log: () => undefined });
  try {
    const index = served.shared.view.index;
    const times: number[] = [];
    for (let sample = 0; sample < samples; sample += 1) {
      const started = performance.now();
      await index.search(queries[sample % queries.length]!, { limit: 10 });
      times.push(performance.now() - started);
    }
    const ticks: number[] = [];
    const lists: number[] = [];
    // Turns alternate, so load on the shared machine reaches both alike.
    for (let sample = 0; sample < 20; sample += 1) {
      let started = performance.now();
      await served.shared.changes.check();
      ticks.push(performance.now() - started);
      started = performance.now();
      await store.listArtifacts();
      lists.push(performance.now() - started);
    }
    return {
      medianMs: round(median(times), 2),
      p95Ms: round(percentile(times, 0.95), 2),
      watchTickMedianMs: round(median(ticks), 2),
      artifactListMedianMs: round(median(lists), 2),
    };
  } finally {
    await served.close();
    await store.close();
  }
}

async function headReads(storePath: string): Promise<Record<string, unknown>> {
  const store = SqliteStore.open({ path: storePath });
  try {
    const library = new Library({ store });
    const artifacts = (await store.listArtifacts()).filter((artifact) => artifact.kind === 'skill' || artifact.kind === 'lesson');
    const oneByOne: number[] = [];
    const bulk: number[] = [];
    const sync: number[] = [];
    // Turns alternate, so load on the shared machine reaches both ways of reading alike.
    for (let turn = 0; turn < 3; turn += 1) {
      let started = performance.now();
      for (const artifact of artifacts) await library.entryFor(artifact);
      oneByOne.push(performance.now() - started);
      started = performance.now();
      await library.entriesFor(artifacts);
      bulk.push(performance.now() - started);
      started = performance.now();
      await new LibraryIndex().sync(library);
      sync.push(performance.now() - started);
    }
    return { items: artifacts.length, oneByOneMedianMs: round(median(oneByOne), 0), bulkMedianMs: round(median(bulk), 0), freshIndexSyncMedianMs: round(median(sync), 0) };
  } finally {
    await store.close();
  }
}

async function timedSearches(client: Client, queries: readonly string[], count: number, offset = 0): Promise<number[]> {
  const times: number[] = [];
  for (let sample = 0; sample < count; sample += 1) {
    const started = performance.now();
    const result = await client.callTool({ name: 'search_library', arguments: { query: queries[(offset + sample) % queries.length]!, k: 10 } });
    times.push(performance.now() - started);
    if (result.isError === true) throw new Error(`search_library failed: ${JSON.stringify(result.content)}`);
  }
  return times;
}

function figures(times: readonly number[]): { medianMs: number; p95Ms: number } {
  return { medianMs: round(median(times), 2), p95Ms: round(percentile(times, 0.95), 2) };
}

async function overTransports(directory: string, storePath: string, queries: readonly string[], samples: number): Promise<Record<string, unknown>> {
  const warmup = 20;
  const spawned = performance.now();
  const stdio = await connectStdio(directory, ['--store', storePath]);
  await stdio.ping();
  const startupMs = performance.now() - spawned;
  // As clients do: the tool list first (the client then knows each tool's output schema).
  await stdio.listTools();
  let stdioFigures: { medianMs: number; p95Ms: number };
  try {
    await timedSearches(stdio, queries, warmup);
    stdioFigures = figures(await timedSearches(stdio, queries, samples, warmup));
  } finally {
    await stdio.close();
  }

  const http = await startHttpCli(directory, ['--store', storePath]);
  try {
    const client = await connectHttp(http.url);
    await client.listTools();
    let httpFigures: { medianMs: number; p95Ms: number };
    try {
      await timedSearches(client, queries, warmup);
      httpFigures = figures(await timedSearches(client, queries, samples, warmup));
    } finally {
      await client.close();
    }
    const concurrent: Record<string, unknown> = {};
    for (const clientCount of [1, 4, 16]) {
      const clients = await Promise.all(Array.from({ length: clientCount }, () => connectHttp(http.url)));
      try {
        await Promise.all(clients.map((each) => each.listTools()));
        await Promise.all(clients.map((each, position) => timedSearches(each, queries, 5, position)));
        const perClient = Math.max(20, Math.floor(samples / clientCount));
        const started = performance.now();
        const times = (await Promise.all(clients.map((each, position) => timedSearches(each, queries, perClient, position * 7)))).flat();
        const seconds = (performance.now() - started) / 1000;
        concurrent[`clients${clientCount}`] = { requests: times.length, requestsPerSecond: round(times.length / seconds, 1), ...figures(times) };
      } finally {
        await Promise.all(clients.map((each) => each.close()));
      }
    }
    return {
      searchLatency: { stdio: stdioFigures, http: httpFigures, goalMedianMs: 10 },
      concurrentClients: concurrent,
      startup: { stdioFirstAnswerMs: round(startupMs, 0) },
    };
  } finally {
    await http.stop();
  }
}
