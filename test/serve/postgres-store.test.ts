import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.ts';
import type { ArtifactRow, LiveUpdate, ProgramPage, RunDetail, RunList, TrajectoryRow } from '../../src/serve/api-types.ts';
import { startDashboard, type RunningDashboard } from '../../src/serve/dashboard-server.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres/test-database.ts';
import { getJson, serveStore, waitForLiveEvent } from './support/dashboard.ts';
import { buildDemoStore, lamarck, type DemoStore } from './support/demo-store.ts';
import { programRecord } from './support/program-records.ts';

/**
 * The dashboard on PostgreSQL: the demo store, copied with `lamarck store copy` into the tests'
 * throwaway PostgreSQL, is served beside the SQLite original, and every view answers the same
 * JSON from both (the same records, so any difference is the store's doing); and a page open on
 * the PostgreSQL dashboard hears about programs another connection writes.
 */
let root: string;
let demo: DemoStore;
let database: TestDatabase;
let sqlite: Awaited<ReturnType<typeof serveStore>>;
let postgresStore: Store;
let postgres: RunningDashboard;
let url: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lamarck-serve-postgres-'));
  database = await createTestDatabase();
  demo = await buildDemoStore(root, { iterations: 8 });
  url = `${database.url}?schema=served`;
  const copied = await lamarck(root, 'store', 'copy', `sqlite:${demo.storePath}`, url);
  expect(copied.code, copied.stderr).toBe(0);
  sqlite = await serveStore(demo.storePath);
  postgresStore = await openStore({ cwd: root, url });
  postgres = await startDashboard({ store: postgresStore, library: new Library({ store: postgresStore }), port: 0, pollMs: 100 });
}, 300_000);

afterAll(async () => {
  await postgres?.close();
  await postgresStore?.close();
  await sqlite?.close();
  rmSync(root, { recursive: true, force: true });
  await database?.drop();
});

/** A view's JSON without `computedAt`, which says when that server computed it, not what the store holds. */
function withoutServingTime(view: unknown): unknown {
  return JSON.parse(JSON.stringify(view, (key, value: unknown) => (key === 'computedAt' ? undefined : value)));
}

describe('the dashboard on a PostgreSQL store', () => {
  it('answers every view with the same JSON as on the SQLite store it was copied from', async () => {
    const fromPostgres = <T>(path: string) => getJson<T>(postgres.url, path);
    const fromSqlite = <T>(path: string) => getJson<T>(sqlite.dashboard.url, path);
    const runs = await fromPostgres<RunList>('/api/runs');
    // The learn run's own agent attempts are runs too.
    expect(runs.runs.map((run) => run.id)).toEqual(expect.arrayContaining([demo.evolveRunId, demo.secondEvolveRunId, demo.learnRunId, demo.agentRunId]));
    const best = (await fromPostgres<RunDetail>(`/api/runs/${demo.evolveRunId}`)).best!;
    const programs = await fromPostgres<ProgramPage>(`/api/runs/${demo.evolveRunId}/programs?limit=5`);
    const item = (await fromPostgres<{ artifacts: ArtifactRow[] }>('/api/library')).artifacts[0]!;
    const trajectories = (await fromPostgres<{ trajectories: TrajectoryRow[] }>(`/api/runs/${demo.agentRunId}/trajectories`)).trajectories;
    const paths = [
      '/api/runs',
      '/api/runs?kind=evolve&sort=bestScore',
      ...[demo.evolveRunId, demo.secondEvolveRunId].flatMap((id) =>
        ['', '/series?points=50', '/programs?limit=50', '/tree', '/population', '/failures', '/models', '/insights', '/throughput?points=20', '/events'].map((view) => `/api/runs/${id}${view}`),
      ),
      `/api/runs/${demo.learnRunId}`,
      `/api/runs/${demo.learnRunId}/learn`,
      `/api/runs/${demo.agentRunId}`,
      `/api/runs/${demo.agentRunId}/trajectories`,
      `/api/programs/${best.id}`,
      ...programs.programs.map((program) => `/api/programs/${program.id}`),
      `/api/trajectories/${trajectories[0]!.id}`,
      '/api/library',
      `/api/library/${item.kind}/${item.name}`,
      `/api/compare?runs=${demo.evolveRunId},${demo.secondEvolveRunId}`,
    ];
    for (const path of paths) expect(withoutServingTime(await fromPostgres(path)), path).toEqual(withoutServingTime(await fromSqlite(path)));
  });

  it('tells an open page over SSE about programs another connection writes', async () => {
    const writer = await openStore({ cwd: root, url });
    try {
      const run = await writer.createRun({ kind: 'evolve', name: 'written elsewhere', config: {} });
      await writer.putProgram(programRecord(run.id, 0));
      const update = await waitForLiveEvent(
        postgres.url,
        ({ event, data }) => event === 'update' && (JSON.parse(data) as LiveUpdate).runId === run.id && (JSON.parse(data) as LiveUpdate).programs === 3,
        {
          onOpen: async () => {
            await writer.putProgram(programRecord(run.id, 1));
            await writer.putProgram(programRecord(run.id, 2));
          },
        },
      );
      expect(JSON.parse(update.data)).toMatchObject({ type: 'run', runId: run.id, programs: 3 });
    } finally {
      await writer.close();
    }
  });
});
