import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.ts';
import type { RunList, RunDetail } from '../../src/serve/api-types.ts';
import { createDashboard, type Dashboard } from '../../src/serve/dashboard-server.ts';
import { runLeaseScope } from '../../src/store/run-lease.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/types.ts';
import { programRecord } from './support/program-records.ts';

/**
 * The run list's figures for runs still stored as running: live figures from the program index
 * for an evolve run, and `interrupted` (the store's derived status) when the run's lease expired.
 * Through Hono's app.request(), no socket needed.
 */
let root: string;
let store: Store;
let dashboard: Dashboard;
const host = { headers: { Host: '127.0.0.1:4310' } };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'lamarck-serve-runs-'));
  store = SqliteStore.open({ path: join(root, 'store.db') });
  dashboard = createDashboard({ store, library: new Library({ store }), port: 4310 });
});
afterAll(async () => {
  await dashboard.close();
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

async function get<T>(path: string): Promise<T> {
  const response = await dashboard.app.request(`http://127.0.0.1:4310${path}`, host);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe('a curriculum run', () => {
  it('is listed with its tasks generated as iterations, its cost and tokens, and its stop on its page', async () => {
    const run = await store.createRun({ kind: 'curriculum', name: 'sums', config: { out: '/tmp/sums.jsonl', fromGaps: false } });
    await store.updateRun(run.id, { status: 'stopped', summary: { generated: 7, kept: 3, dropped: 4, costUsd: 0.5, inputTokens: 100, outputTokens: 20, calls: 9, message: 'stopped early: the budget ran out' } });
    const row = (await get<RunList>('/api/runs?kind=curriculum')).runs;
    expect(row).toEqual([expect.objectContaining({ id: run.id, kind: 'curriculum', status: 'stopped', bestScore: null, iterations: 7, costUsd: 0.5, tokens: 120 })]);
    const detail = await get<RunDetail>(`/api/runs/${run.id}`);
    expect(detail).toMatchObject({ stopMessage: 'stopped early: the budget ran out', programCount: 0, summary: { kept: 3 } });
  });
});

describe('runs stored as running', () => {
  it('shows a running evolve run with figures from its programs so far', async () => {
    const run = await store.createRun({ kind: 'evolve', name: 'in progress', config: {} });
    for (let index = 0; index < 12; index += 1) await store.putProgram(programRecord(run.id, index));
    const row = (await get<RunList>('/api/runs')).runs.find((item) => item.id === run.id)!;
    const programs = await store.listPrograms(run.id);
    const best = Math.max(...programs.filter((program) => program.score !== null).map((program) => program.score!));
    expect(row).toMatchObject({ status: 'running', iterations: 11, bestScore: best, tokens: 11 * 1800 });
    expect(row.costUsd).toBeCloseTo(11 * 0.0009, 10);
  });

  it('shows a run whose lease expired as interrupted, in the list and on its page', async () => {
    const run = await store.createRun({ kind: 'learn', name: 'abandoned', config: {} });
    await store.putState(runLeaseScope, run.id, { owner: 'elsewhere:4242:x', pid: 4242, host: 'elsewhere', acquiredAt: 1000, heartbeatAt: 1000, timeToLiveMs: 30_000, revision: 1 });
    const row = (await get<RunList>('/api/runs?status=interrupted')).runs;
    expect(row.map((item) => item.id)).toEqual([run.id]);
    expect((await get<RunDetail>(`/api/runs/${run.id}`)).row.status).toBe('interrupted');
    expect((await store.getRun(run.id))!.status).toBe('running');
  });
});
