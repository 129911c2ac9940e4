import { afterEach, describe, expect, it } from 'vitest';
import { ProgramDatabase } from '../../../src/evolve/database/program-database.ts';
import { decodeFingerprint, encodeFingerprint, fingerprintText } from '../../../src/evolve/database/text-fingerprint.ts';
import { parseEngineSettings } from '../../../src/evolve/engine/engine-settings.ts';
import { ProgramLoader } from '../../../src/evolve/engine/program-loader.ts';
import { rebuildDatabase } from '../../../src/evolve/engine/rebuild-database.ts';
import { evolve } from '../../../src/evolve/evolve.ts';
import type { EvaluationResult, Evaluator } from '../../../src/evolve/types.ts';
import type { Store } from '../../../src/store/types.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';
import { fakeEvaluator, fakeProblem, programPath, tuningOperator } from './fakes.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** Every fourth evaluation crashes, so the run has failed evaluations the novelty filter must remember. */
function flakyEvaluator(): Evaluator {
  const inner = fakeEvaluator();
  let calls = 0;
  return {
    async evaluate(files, options): Promise<EvaluationResult> {
      calls += 1;
      if (calls % 4 === 0) return { ok: false, score: null, metrics: {}, artifacts: { stderr: 'boom' }, failure: { kind: 'exit-code', message: 'exit 1' }, stages: 1, durationMs: 1 };
      return inner.evaluate(files, options);
    },
  };
}

/** A store that counts the reads a rebuild makes, and can hide stored fingerprints (records of an older release). */
function countingStore(store: Store, options: { hideFingerprints?: boolean } = {}) {
  const reads = { listPrograms: [] as number[], getProgram: 0, summaries: 0 };
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === 'listPrograms') {
        return async (runId: string, page?: { afterSequence?: number; limit?: number }) => {
          const records = await target.listPrograms(runId, page);
          reads.listPrograms.push(records.length);
          return records;
        };
      }
      if (property === 'getProgram') {
        return async (id: string) => {
          reads.getProgram += 1;
          return target.getProgram(id);
        };
      }
      if (property === 'listProgramSummaries') {
        return async (runId: string, page?: { afterSequence?: number; limit?: number }) => {
          reads.summaries += 1;
          const summaries = await target.listProgramSummaries(runId, page);
          return options.hideFingerprints ? summaries.map(({ fingerprint: _fingerprint, ...summary }) => summary) : summaries;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...parameters: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, reads };
}

async function storedRun() {
  const store = createMemoryStore();
  stores.push(store);
  const problem = fakeProblem(10, { islands: 3, migrationInterval: 4, populationSize: 12 });
  const handle = evolve({ problem, store, evaluator: flakyEvaluator(), operators: [tuningOperator()], iterations: 80, seed: 3, concurrency: { evaluations: 1 } });
  const summary = await handle.result;
  return { store, problem, summary, runId: await handle.runId };
}

async function rebuild(store: Store, problem: ReturnType<typeof fakeProblem>, runId: string, pageSize = 7) {
  const settings = parseEngineSettings(problem.settings, problem.features);
  const database = new ProgramDatabase(settings.database);
  const failed: [string, number][] = [];
  const rebuilt = await rebuildDatabase({
    store,
    runId,
    database,
    loader: new ProgramLoader({ store, evolvableFiles: problem.evolvableFiles }),
    pageSize,
    recentCount: 10,
    onFailedEvaluation: (id, hash) => failed.push([id, hash]),
  });
  return { database, rebuilt, failed };
}

function shape(database: ProgramDatabase) {
  return {
    size: database.size,
    best: database.best()?.id,
    islands: database.islands.map((island) => island.top(island.size).map((placement) => `${placement.info.id}${placement.copy ? '*' : ''}`).sort()),
    archive: database.archive.list().map((member) => member.id).sort(),
  };
}

describe('rebuilding a run from summaries', () => {
  it('rebuilds the per-operator yield the live run reported', async () => {
    const { store, problem, summary, runId } = await storedRun();
    const { rebuilt } = await rebuild(store, problem, runId);
    expect(summary.operators['numeric-tune']!.proposed).toBe(80);
    expect(summary.operators['numeric-tune']!.failed['exit-code']).toBeGreaterThan(0);
    expect(rebuilt.operatorYield.toJSON()).toEqual(summary.operators);
  });

  it('stores a fingerprint with every evaluated program that decodes to the hash of its code', async () => {
    const { store, runId } = await storedRun();
    const programs = await store.listPrograms(runId);
    const evaluated = programs.filter((program) => program.status === 'evaluated' || program.failure?.kind === 'exit-code');
    expect(evaluated.length).toBeGreaterThan(40);
    for (const program of evaluated) {
      const expected = fingerprintText(program.files[programPath]!);
      const decoded = decodeFingerprint(program.fingerprint);
      expect(decoded).toEqual(expected);
      expect(encodeFingerprint(decoded!)).toBe(program.fingerprint);
    }
    expect(decodeFingerprint('mh1:12:zz:short')).toBeUndefined();
    expect(decodeFingerprint('other:1:2:3')).toBeUndefined();
  });

  it('reads no code, except the last few records for insights, and rebuilds what hashing the code rebuilds', async () => {
    const { store, problem, runId, summary } = await storedRun();
    const lean = countingStore(store);
    const fromSummaries = await rebuild(lean.store, problem, runId);
    expect(lean.reads.getProgram).toBe(0);
    // One read of full records: the 10 most recent, for insights.
    expect(lean.reads.listPrograms).toEqual([10]);
    expect(lean.reads.summaries).toBeGreaterThan(5);
    expect(fromSummaries.rebuilt.records).toBe(81);
    expect(fromSummaries.rebuilt.recent.map((record) => record.sequence)).toEqual(Array.from({ length: 10 }, (_, index) => 72 + index));
    expect(fromSummaries.rebuilt.best?.score).toBe(summary.bestScore);
    expect(fromSummaries.failed.length).toBe(summary.failures['exit-code']);

    const legacy = countingStore(store, { hideFingerprints: true });
    const fromCode = await rebuild(legacy.store, problem, runId);
    expect(legacy.reads.listPrograms.length).toBeGreaterThan(10);
    expect(shape(fromSummaries.database)).toEqual(shape(fromCode.database));
    expect(fromSummaries.failed).toEqual(fromCode.failed);
    expect(fromSummaries.rebuilt.failures).toEqual(fromCode.rebuilt.failures);
    for (const placement of fromSummaries.database.islands.flatMap((island) => island.top(island.size))) {
      expect(placement.info.fingerprint).toEqual(fromCode.database.get(placement.info.id)!.fingerprint);
    }
  });
});
