import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestPostgresSchemaVersion } from '../../src/store/postgres/migrations.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { ArtifactRecord, ProgramRecord, RunRecord, StoredEvent, TrajectoryWithSteps, VersionRecord } from '../../src/store/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres/test-database.ts';

interface Expected {
  runs: RunRecord[];
  programs: ProgramRecord[];
  events: StoredEvent[];
  trajectory: TrajectoryWithSteps;
  artifacts: ArtifactRecord[];
  versions: VersionRecord[];
  state: { checkpoint: unknown; bandit: unknown };
}

const fixtures = new URL('../fixtures/store/', import.meta.url).pathname;

// A PostgreSQL database written at PostgreSQL schema version 1 (pg_dump of the SQLite corpus's
// records, test/fixtures/store/generate-postgres-schema-v1.ts) must open, migrate and read back in
// every later release.
describe('frozen PostgreSQL corpus: schema version 1', () => {
  let database: TestDatabase;
  let url: string;
  const expected = JSON.parse(readFileSync(`${fixtures}schema-v2.expected.json`, 'utf8')) as Expected;

  beforeAll(async () => {
    database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(readFileSync(`${fixtures}postgres-schema-v1.sql`, 'utf8'));
    } finally {
      await client.end();
    }
    url = `${database.url}?schema=frozen`;
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('opens with the current store at the latest schema and reads back every record it holds', async () => {
    const store = await openStore({ cwd: process.cwd(), url });
    try {
      expect(await store.schemaVersion()).toBe(latestPostgresSchemaVersion);
      const evolveRun = expected.runs.find((run) => run.kind === 'evolve')!;
      const artifact = expected.artifacts[0]!;
      expect(await store.listRuns()).toMatchObject(expected.runs);
      expect(await store.listPrograms(evolveRun.id)).toMatchObject(expected.programs);
      expect(await store.listEvents(evolveRun.id)).toMatchObject(expected.events);
      expect(await store.getTrajectory(expected.trajectory.id)).toMatchObject(expected.trajectory);
      expect(await store.listArtifacts()).toMatchObject(expected.artifacts);
      expect(await store.listVersions(artifact.id)).toMatchObject(expected.versions);
      expect(await store.getState('checkpoint', evolveRun.id)).toEqual(expected.state.checkpoint);
      expect(await store.getState('bandit', 'models')).toEqual(expected.state.bandit);
      const next = await store.appendEvent(evolveRun.id, 'run-resumed', {});
      expect(next.sequence).toBe(expected.events.length + 1);
      const committed = await store.commitVersion(artifact.id, { content: { body: 'new' }, message: 'after upgrade' }, artifact.headVersionId);
      expect(committed.number).toBe(expected.versions.length + 1);
    } finally {
      await store.close();
    }
  });
});
