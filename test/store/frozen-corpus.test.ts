import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latestSchemaVersion } from '../../src/store/sqlite/migrations.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { ArtifactRecord, ProgramRecord, RunRecord, StoredEvent, TrajectoryWithSteps, VersionRecord } from '../../src/store/types.ts';

interface Expected {
  schemaVersion: number;
  runs: RunRecord[];
  programs: ProgramRecord[];
  events: StoredEvent[];
  trajectory: TrajectoryWithSteps;
  artifacts: ArtifactRecord[];
  versions: VersionRecord[];
  state: { checkpoint: unknown; bandit: unknown };
}

const fixtures = new URL('../fixtures/store/', import.meta.url).pathname;

// Databases written by older schemas must open, migrate and read back in every later release.
describe.each([1, 2])('frozen store corpus: schema version %i', (version) => {
  let directory: string;
  let path: string;
  let expected: Expected;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'lamarck-corpus-'));
    path = join(directory, 'lamarck.db');
    // A copy: opening migrates in place, and the committed file must stay as the old release wrote it.
    copyFileSync(join(fixtures, `schema-v${version}.db`), path);
    expected = JSON.parse(readFileSync(join(fixtures, `schema-v${version}.expected.json`), 'utf8')) as Expected;
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('was written at that version', () => {
    expect(expected.schemaVersion).toBe(version);
  });

  it('opens with the current store, migrated to the latest schema', async () => {
    const store = SqliteStore.open({ path });
    expect(await store.schemaVersion()).toBe(latestSchemaVersion);
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('reads back every record it holds', async () => {
    const store = SqliteStore.open({ path });
    const evolveRun = expected.runs.find((run) => run.kind === 'evolve');
    const artifact = expected.artifacts[0];
    if (evolveRun === undefined || artifact === undefined) throw new Error('fixture lacks an evolve run or an artifact');
    // toMatchObject: later schemas may add fields, but may not lose or change the old ones.
    expect(await store.listRuns()).toMatchObject(expected.runs);
    expect(await store.listPrograms(evolveRun.id)).toMatchObject(expected.programs);
    expect(await store.countPrograms(evolveRun.id)).toBe(expected.programs.length);
    expect(await store.listEvents(evolveRun.id)).toMatchObject(expected.events);
    expect(await store.getTrajectory(expected.trajectory.id)).toMatchObject(expected.trajectory);
    expect(await store.listArtifacts()).toMatchObject(expected.artifacts);
    expect(await store.listVersions(artifact.id)).toMatchObject(expected.versions);
    expect(await store.getState('checkpoint', evolveRun.id)).toEqual(expected.state.checkpoint);
    expect(await store.getState('bandit', 'models')).toEqual(expected.state.bandit);
    await store.close();
  });

  it('accepts new writes after the upgrade', async () => {
    const store = SqliteStore.open({ path });
    const evolveRun = expected.runs.find((run) => run.kind === 'evolve');
    const artifact = expected.artifacts[0];
    if (evolveRun === undefined || artifact === undefined) throw new Error('fixture lacks an evolve run or an artifact');
    const next = await store.appendEvent(evolveRun.id, 'run-resumed', {});
    expect(next.sequence).toBe(expected.events.length + 1);
    const committed = await store.commitVersion(artifact.id, { content: { body: 'new' }, message: 'after upgrade' }, artifact.headVersionId);
    expect(committed.number).toBe(expected.versions.length + 1);
    await store.close();
  });
});
