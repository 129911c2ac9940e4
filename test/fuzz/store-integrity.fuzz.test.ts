import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { evolve } from '../../src/evolve/evolve.ts';
import { openStore } from '../../src/store/open-store.ts';
import { createScriptedModel } from '../../src/testing/index.ts';
import { fakeEvaluator, fakeProblem } from '../evolve/engine/fakes.ts';
import { fuzzSeed, malformedReply } from './arbitraries.ts';

/**
 * Short evolve runs on a real SQLite file whose model replies all come from the malformed-reply
 * arbitrary: every attempt ends stored (evaluated, failed or rejected, with its cause), the run
 * finishes instead of crashing, and the file passes `PRAGMA integrity_check` afterwards.
 */
const root = mkdtempSync(join(tmpdir(), 'lamarck-fuzz-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
export const storeFuzzRuns = 6;
const iterations = 8;

describe('fuzz: the store after runs fed malformed replies', () => {
  it(`evolve runs (${storeFuzzRuns} x ${iterations} replies) leave every attempt recorded and the store intact`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(malformedReply, { minLength: iterations * 2, maxLength: iterations * 2 }), async (replies) => {
        run += 1;
        const path = join(root, `run-${run}.db`);
        const store = await openStore({ path, cwd: root });
        let runId: string;
        try {
          const model = createScriptedModel({ replies });
          const handle = evolve({
            problem: fakeProblem(10, { operators: { 'numeric-tune': 0 }, insightsEvery: 0 }),
            store,
            models: [model],
            evaluator: fakeEvaluator(),
            iterations,
            seed: run,
            concurrency: { evaluations: 1, proposals: 1 },
          });
          for await (const _event of handle.events) {
            // drained
          }
          const summary = await handle.result;
          runId = summary.runId;
          expect(summary.status).toBe('finished');
          const programs = await store.listPrograms(runId);
          expect(programs).toHaveLength(iterations + 1);
          for (const program of programs.slice(1)) {
            if (program.status !== 'evaluated') expect(program.failure?.message.length).toBeGreaterThan(0);
          }
        } finally {
          await store.close();
        }
        const database = new DatabaseSync(path, { readOnly: true });
        try {
          expect(database.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
        } finally {
          database.close();
        }
      }),
      { seed: fuzzSeed + 20, numRuns: storeFuzzRuns },
    );
  });
});
