import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgentActor } from '../../src/learn/actor.ts';
import { parseLearnConfig } from '../../src/learn/learn-config.ts';
import { runLearn } from '../../src/learn/learn-loop.ts';
import { parseTaskStream } from '../../src/learn/task-stream.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { openStore } from '../../src/store/open-store.ts';
import { createScriptedModel, type ScriptedReplyValue } from '../../src/testing/scripted-model.ts';
import { anyJson, fuzzSeed, malformedReply } from './arbitraries.ts';

/**
 * Real learn runs on a SQLite file whose learner replies (critic verdicts, reflections with their
 * proposals, consolidations) and some agent replies come from the fuzz arbitraries: every run
 * finishes with every task attempted, each failed step is recorded with its cause, every library
 * entry that was written reads back with its versions, and the file passes `PRAGMA integrity_check`.
 */
const root = mkdtempSync(join(tmpdir(), 'lamarck-fuzz-learn-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
export const learnFuzzRuns = 8;

// Pairs of alike tasks, so each consolidation window (every second task) has a group to fold.
const taskLines = [
  { id: 'exact-1', prompt: 'Convert 3 feet to metres.', verify: { type: 'exact', expected: '0.91' } },
  { id: 'exact-2', prompt: 'Convert 5 feet to metres.', verify: { type: 'exact', expected: '1.52' } },
  // No verifier: the learner judges these as a critic, so verdicts are fuzzed too.
  { id: 'critic-1', prompt: 'Write one line about rain.' },
  { id: 'critic-2', prompt: 'Write one line about snow.' },
];

const validLesson = (name: string) => ({ op: 'add', kind: 'lesson', name, content: { title: name, text: `Check ${name} before answering.`, type: 'warning', when: '', tags: [] }, rationale: 'fuzz' });

/** A reflection whose proposal list mixes valid proposals with arbitrary JSON: only the bad ones may sink. */
const mixedReflection = fc
  .tuple(fc.array(fc.oneof(fc.constantFrom('units', 'rounding', 'primes').map(validLesson), anyJson), { maxLength: 10 }), fc.option(anyJson, { nil: undefined }))
  .map(([proposals, extra]) => ({ rootCause: 'fuzz', keyInsight: 'fuzz', proposals, ...(extra === undefined ? {} : { extra }) }));

/** One learner reply: malformed text, a mixed reflection as an object, or the same as JSON text cut short. */
const learnerReply: fc.Arbitrary<ScriptedReplyValue> = fc.oneof(
  { weight: 3, arbitrary: malformedReply },
  { weight: 2, arbitrary: mixedReflection.map((object) => ({ object })) },
  { weight: 1, arbitrary: fc.tuple(mixedReflection, fc.nat()).map(([object, cut]) => { const text = JSON.stringify(object); return text.slice(0, cut % (text.length + 1)); }) },
);

/** One agent reply: a valid final answer, or malformed text (taken as an answer or a failed attempt). */
const agentReply: fc.Arbitrary<ScriptedReplyValue> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('0.91', '1.52', 'rain falls', 'snow falls').map((answer) => ({ toolCalls: [{ name: 'final_answer', input: { answer } }] })) },
  { weight: 1, arbitrary: malformedReply },
);

/** A scripted model that gives out `replies` in turn, round and round: how many calls a fuzzed run makes is not known ahead. */
function cycling(spec: string, replies: ScriptedReplyValue[], capacity: number) {
  let next = 0;
  return createScriptedModel({ spec, nativeTools: spec !== 'scripted:learner', replies: Array.from({ length: capacity }, () => () => replies[next++ % replies.length]!) });
}

describe('fuzz: the store after learn runs fed malformed replies', () => {
  it(`learn runs (${learnFuzzRuns} x ${taskLines.length} tasks) record every failed step and leave the store intact`, async () => {
    let run = 0;
    const failedSteps = new Set<string>();
    let committed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(learnerReply, { minLength: 12, maxLength: 12 }), fc.array(agentReply, { minLength: 4, maxLength: 4 }), async (learnerReplies, agentReplies) => {
        run += 1;
        const path = join(root, `learn-${run}.db`);
        const store = await openStore({ path, cwd: root });
        try {
          const library = new Library({ store });
          const handle = runLearn({
            tasks: parseTaskStream(taskLines.map((line) => JSON.stringify(line)).join('\n')),
            library,
            index: new LibraryIndex(),
            actor: createAgentActor({ model: cycling('scripted:agent', agentReplies, 200), store, limits: { maxSteps: 2 } }),
            learner: cycling('scripted:learner', learnerReplies, 400),
            config: parseLearnConfig({ consolidateEvery: 2, mirror: false, gate: { holdoutSize: 0 } }),
          });
          const result = await handle.result;
          expect(result.status).toBe('finished');
          expect(result.curves.map((point) => point.taskId)).toEqual(taskLines.map((line) => line.id));
          committed += result.committed;
          for (const failure of result.failures) {
            failedSteps.add(failure.step);
            expect(failure.code.length).toBeGreaterThan(0);
            expect(failure.message.length).toBeGreaterThan(0);
          }
          const entries = await library.list();
          for (const entry of entries) {
            const versions = await library.history(entry.kind, entry.name);
            expect(versions.map((version) => version.id)).toContain(entry.version.id);
          }
          expect(entries.length).toBeLessThanOrEqual(result.committed);
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
      { seed: fuzzSeed + 30, numRuns: learnFuzzRuns },
    );
    // The runs met what they were meant to: failed judge, reflect and consolidate steps, and commits beside them.
    expect([...failedSteps].sort()).toEqual(expect.arrayContaining(['consolidate', 'judge', 'reflect']));
    expect(committed).toBeGreaterThan(0);
  });
});
