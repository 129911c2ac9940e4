import { StoreError } from '../core/errors.ts';
import { isTransferable, type RecordCounts, type TransferableStore } from './record-transfer.ts';
import type { Store } from './types.ts';

export type CopiedFamily = keyof RecordCounts;

export interface CopyProgress {
  family: CopiedFamily;
  /** Records of this family read from the source so far, and how many it has. */
  done: number;
  total: number;
}

export interface CopyReport {
  /** What the source holds, and what the destination holds after the copy. */
  source: RecordCounts;
  destination: RecordCounts;
  /** Records this copy newly wrote (0 everywhere when run again on a finished copy). */
  written: RecordCounts;
  elapsedMs: number;
}

const emptyCounts = (): RecordCounts => ({ runs: 0, programs: 0, events: 0, trajectories: 0, trajectorySteps: 0, artifacts: 0, versions: 0, state: 0 });

/**
 * Copies everything from one store to another: runs, programs (with their lineage and sequences),
 * events, trajectories with their steps, the library with every version, and the state documents
 * (checkpoints, learn progress), keeping every id and timestamp. Idempotent: records already in the
 * destination are not written twice, so an interrupted copy is finished by running it again. Ends
 * by checking that the destination holds at least what the source holds, family by family and run
 * by run; a shortfall is an error that names it.
 */
export async function copyStore(
  from: Store,
  to: Store,
  options: { batchSize?: number; onProgress?: (progress: CopyProgress) => void } = {},
): Promise<CopyReport> {
  const source = requireTransferable(from, 'source');
  const destination = requireTransferable(to, 'destination');
  const batchSize = options.batchSize ?? 500;
  const report = options.onProgress ?? (() => undefined);
  const started = performance.now();
  const sourceCounts = await source.transfer.countRecords();
  const destinationBefore = await destination.transfer.countRecords();

  const runs = await from.listRuns();
  for (let index = 0; index < runs.length; index += batchSize) {
    await destination.transfer.importRuns(runs.slice(index, index + batchSize));
  }
  report({ family: 'runs', done: runs.length, total: sourceCounts.runs });

  let programsDone = 0;
  let eventsDone = 0;
  for (const run of runs) {
    for (let after = 0; ; ) {
      const page = await from.listPrograms(run.id, { afterSequence: after, limit: batchSize });
      if (page.length === 0) break;
      await destination.transfer.importPrograms(page);
      programsDone += page.length;
      after = page.at(-1)?.sequence ?? Number.POSITIVE_INFINITY;
      report({ family: 'programs', done: programsDone, total: sourceCounts.programs });
    }
    for (let after = 0; ; ) {
      const page = await from.listEvents(run.id, { afterSequence: after, limit: batchSize });
      if (page.length === 0) break;
      await destination.transfer.importEvents(page);
      eventsDone += page.length;
      after = page.at(-1)?.sequence ?? Number.POSITIVE_INFINITY;
      report({ family: 'events', done: eventsDone, total: sourceCounts.events });
    }
  }

  const trajectories = await from.listTrajectories();
  for (let index = 0; index < trajectories.length; index += batchSize) {
    const batch = await Promise.all(trajectories.slice(index, index + batchSize).map(async (trajectory) => from.getTrajectory(trajectory.id)));
    const present = batch.filter((trajectory) => trajectory !== undefined);
    await destination.transfer.importTrajectories(present);
    report({ family: 'trajectories', done: Math.min(index + batchSize, trajectories.length), total: sourceCounts.trajectories });
  }

  const artifacts = await from.listArtifacts();
  for (const [index, artifact] of artifacts.entries()) {
    await destination.transfer.importArtifact(artifact, await from.listVersions(artifact.id));
    report({ family: 'artifacts', done: index + 1, total: sourceCounts.artifacts });
  }

  const entries = await source.transfer.listStateEntries();
  for (let index = 0; index < entries.length; index += batchSize) {
    await destination.transfer.importStateEntries(entries.slice(index, index + batchSize));
  }
  report({ family: 'state', done: entries.length, total: sourceCounts.state });

  const destinationCounts = await destination.transfer.countRecords();
  // What this copy added is what the destination gained (runs, trajectories and artifacts are upserts).
  const written = emptyCounts();
  for (const family of Object.keys(written) as CopiedFamily[]) written[family] = destinationCounts[family] - destinationBefore[family];
  await verify(from, to, runs.map((run) => run.id), artifacts.map((artifact) => artifact.id), sourceCounts, destinationCounts);
  return { source: sourceCounts, destination: destinationCounts, written, elapsedMs: performance.now() - started };
}

function requireTransferable(store: Store, role: string): Store & TransferableStore {
  if (!isTransferable(store)) {
    throw new StoreError(`the ${role} store (${store.kind} ${store.location}) cannot take part in a copy: only SQLite and PostgreSQL stores can`, {
      code: 'store-copy-unsupported',
    });
  }
  return store;
}

async function verify(from: Store, to: Store, runIds: string[], artifactIds: string[], source: RecordCounts, destination: RecordCounts): Promise<void> {
  const shortfalls: string[] = [];
  for (const family of Object.keys(source) as CopiedFamily[]) {
    if (destination[family] < source[family]) shortfalls.push(`${family}: the source has ${source[family]}, the destination ${destination[family]}`);
  }
  for (const runId of runIds) {
    const [expected, found] = [await from.countPrograms(runId), await to.countPrograms(runId)];
    if (found !== expected) shortfalls.push(`programs of run ${runId}: the source has ${expected}, the destination ${found}`);
  }
  for (const artifactId of artifactIds) {
    const [expected, found] = [(await from.listVersions(artifactId)).length, (await to.listVersions(artifactId)).length];
    if (found !== expected) shortfalls.push(`versions of artifact ${artifactId}: the source has ${expected}, the destination ${found}`);
  }
  if (shortfalls.length > 0) {
    throw new StoreError(`the copy is incomplete: ${shortfalls.join('; ')}`, { code: 'store-copy-incomplete' });
  }
}
