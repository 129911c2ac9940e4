import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/types.ts';
import { buildDemoStore, lamarck, type DemoStore } from '../serve/support/demo-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres/test-database.ts';

/**
 * `lamarck store copy` on a store made by real runs (two evolve runs, a learn run whose library has
 * several versions, an agent run): SQLite to PostgreSQL and back gives the same records, ids and
 * timestamps included, and a second copy writes nothing.
 */
let root: string;
let demo: DemoStore;
let database: TestDatabase;
let postgresUrl: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lamarck-store-copy-'));
  database = await createTestDatabase();
  postgresUrl = `${database.url}?schema=copied`;
  demo = await buildDemoStore(root, { iterations: 8 });
}, 240_000);

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await database?.drop();
});

interface CopyOutput {
  from: string;
  to: string;
  source: Record<string, number>;
  destination: Record<string, number>;
  written: Record<string, number>;
}

async function copy(from: string, to: string): Promise<CopyOutput> {
  const result = await lamarck(root, '--json', 'store', 'copy', from, to, '--batch-size', '7');
  expect(`${result.stdout}${result.stderr}`).not.toContain(database.password);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as CopyOutput;
}

/** Everything a store holds, in a stable order, for comparing two stores record by record. */
async function everything(store: Store): Promise<unknown> {
  const runs = await store.listRuns();
  const perRun = await Promise.all(
    runs.map(async (run) => ({ run, programs: await store.listPrograms(run.id), events: await store.listEvents(run.id) })),
  );
  const trajectories = await Promise.all((await store.listTrajectories()).map((trajectory) => store.getTrajectory(trajectory.id)));
  const artifacts = await Promise.all((await store.listArtifacts()).map(async (artifact) => ({ artifact, versions: await store.listVersions(artifact.id) })));
  return { perRun, trajectories, artifacts };
}

describe('lamarck store copy', () => {
  it('copies SQLite to PostgreSQL and back with every record, id and timestamp, verifies the counts, and writes nothing twice', async () => {
    const first = await copy(`sqlite:${demo.storePath}`, postgresUrl);
    expect(first.to).toMatch(/^postgres:\/\/postgres:\*\*\*@/);
    expect(first.source['programs']).toBeGreaterThan(8);
    expect(first.source['versions']).toBeGreaterThanOrEqual(2);
    expect(first.source['trajectorySteps']).toBeGreaterThan(0);
    expect(first.written).toEqual(first.source);
    expect(first.destination).toEqual(first.source);

    const again = await copy(`sqlite:${demo.storePath}`, postgresUrl);
    expect(Object.values(again.written).every((count) => count === 0)).toBe(true);
    expect(again.destination).toEqual(first.source);

    const back = join(root, 'round-trip.db');
    const returned = await copy(postgresUrl, back);
    expect(returned.written).toEqual(first.source);

    const original = SqliteStore.open({ path: demo.storePath });
    const roundTripped = SqliteStore.open({ path: back });
    try {
      expect(await everything(roundTripped)).toEqual(await everything(original));
      expect(await roundTripped.transfer.listStateEntries()).toEqual(await original.transfer.listStateEntries());
      const learnRun = await roundTripped.getRun(demo.learnRunId);
      expect(learnRun?.kind).toBe('learn');
    } finally {
      await original.close();
      await roundTripped.close();
    }
  });

  it('refuses a destination it cannot reach, saying which, without the password', async () => {
    const unreachable = postgresUrl.replace(/:\d+\//, ':1/');
    const result = await lamarck(root, 'store', 'copy', `sqlite:${demo.storePath}`, unreachable);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\//);
    expect(result.stderr).not.toContain(database.password);
  });
});
