import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.ts';
import type { JsonValue } from '../../src/core/json.ts';
import { createAgentActor } from '../../src/learn/actor.ts';
import type { LearnEvent } from '../../src/learn/learn-events.ts';
import { runLearn } from '../../src/learn/learn-loop.ts';
import { learnProgressScope, storeLearnProgress, type LearnProgress } from '../../src/learn/learn-progress.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { temporaryDirectory } from '../library/support.ts';
import { answeringModel, config, learnerModel, lessonProposal, noProposals, tasks } from './support.ts';

/**
 * Resuming a learn run from its recorded progress, in one process: the crash is a failure injected
 * at an exact point (between a commit landing and its decision being recorded, the one gap a kill
 * can fall in), and the "new process" is a fresh store connection and fresh models. The kill -9 of
 * a real child process is in resume-cli.test.ts.
 */
const stream = () =>
  tasks(
    { id: 't1', prompt: 'Convert 10 celsius to fahrenheit.', verify: { type: 'exact', expected: '50' } },
    { id: 't2', prompt: 'Convert 20 celsius to kelvin.', verify: { type: 'exact', expected: '293.15' } },
    { id: 't3', prompt: 'Convert 30 celsius to fahrenheit.', verify: { type: 'exact', expected: '86' } },
  );

class SimulatedCrash extends Error {}

async function learn(path: string, runId: string, agent: ReturnType<typeof answeringModel>, learner: ReturnType<typeof learnerModel>, progress?: (inner: LearnProgress) => LearnProgress) {
  const store = SqliteStore.open({ path });
  const library = new Library({ store });
  const events: LearnEvent[] = [];
  const inner = storeLearnProgress(store, runId);
  try {
    const run = runLearn({
      tasks: stream(),
      library,
      index: new LibraryIndex(),
      actor: createAgentActor({ model: agent, store, limits: { maxSteps: 2 } }),
      learner,
      config: config({ gate: { holdoutSize: 0 } }),
      progress: progress === undefined ? inner : progress(inner),
    });
    run.events.subscribe((event) => events.push(event));
    const result = await run.result;
    return { result, events };
  } finally {
    await store.close();
  }
}

describe('learn --resume from recorded progress', () => {
  it('finds a commit that landed just before the crash and does not make it again, nor redo the finished task or the reflection', async () => {
    const directory = temporaryDirectory('lamarck-learn-resume-');
    const path = join(directory.path, 'store.db');
    const setup = SqliteStore.open({ path });
    const runId = (await setup.createRun({ kind: 'learn', name: 'stream', config: {} })).id;
    await setup.close();
    try {
      const firstAgent = answeringModel(() => 'wrong');
      const firstLearner = learnerModel([
        { ...noProposals, proposals: [lessonProposal('fahrenheit-formula', 'Multiply celsius by 9/5, then add 32.')] },
        { ...noProposals, proposals: [lessonProposal('kelvin-offset', 'Add 273.15 to celsius for kelvin.'), lessonProposal('keep-decimals', 'Keep both decimals of 273.15.')] },
      ]);
      // The process "dies" right after the first commit of t2 lands, before its decision is written.
      const crashing = (inner: LearnProgress): LearnProgress => ({
        ...inner,
        saveDecision: async (proposalId, decision) => {
          if (proposalId === `${runId}:t2#0`) throw new SimulatedCrash('killed after the commit');
          await inner.saveDecision(proposalId, decision);
        },
      });
      await expect(learn(path, runId, firstAgent, firstLearner, crashing)).rejects.toThrow(SimulatedCrash);
      firstLearner.verify();
      expect(firstAgent.systems).toHaveLength(2);

      const agent = answeringModel(() => 'wrong');
      // Only t3 is reflected on: t2's reflection is reused from its pending record.
      const learner = learnerModel([noProposals]);
      const { result, events } = await learn(path, runId, agent, learner);
      learner.verify();
      // Only t3 is attempted: t1 is finished and t2's attempt is in its pending record.
      expect(agent.systems).toHaveLength(1);
      expect(result.resumedTasks).toBe(1);
      expect(result.curves.map((point) => [point.taskId, point.committed, point.newArtifacts])).toEqual([
        ['t1', 1, 1],
        ['t2', 2, 2],
        ['t3', 0, 0],
      ]);
      expect(events.find((event) => event.type === 'task-resumed')).toEqual({ type: 'task-resumed', taskId: 't2', decided: 0, proposals: 2 });
      const committed = events.filter((event) => event.type === 'proposal-committed');
      expect(committed.map((event) => event.type === 'proposal-committed' && [event.proposal.name, event.version, event.recovered ?? false])).toEqual([
        ['kelvin-offset', 1, true],
        ['keep-decimals', 1, false],
      ]);

      const store = SqliteStore.open({ path });
      const library = new Library({ store });
      try {
        const history = await library.history('lesson', 'kelvin-offset');
        expect(history).toHaveLength(1);
        expect(history[0]!.evaluation).toMatchObject({ runId, proposalId: `${runId}:t2#0`, gate: { accepted: true } });
        expect((await library.list()).map((entry) => entry.name).sort()).toEqual(['fahrenheit-formula', 'keep-decimals', 'kelvin-offset']);
        // Rerunning a finished run does nothing and asks no model anything.
        const idleAgent = answeringModel(() => 'wrong', 0);
        const idleLearner = learnerModel([]);
        await store.close();
        const again = await learn(path, runId, idleAgent, idleLearner);
        idleLearner.verify();
        expect(again.result.resumedTasks).toBe(3);
        expect(again.result.committed).toBe(3);
      } finally {
        await store.close();
      }
    } finally {
      directory.remove();
    }
  });

  it('refuses to resume from a damaged progress record instead of guessing', async () => {
    const directory = temporaryDirectory('lamarck-learn-damaged-');
    const path = join(directory.path, 'store.db');
    const store = SqliteStore.open({ path });
    const runId = (await store.createRun({ kind: 'learn', name: 'stream', config: {} })).id;
    await store.putState(learnProgressScope(runId), 'task:t1', { version: 1, record: { point: {} } });
    await store.close();
    try {
      const failure = learn(path, runId, answeringModel(() => 'x', 0), learnerModel([]));
      await expect(failure).rejects.toThrow(StoreError);
      await expect(failure).rejects.toThrow(/damaged progress record "task:t1"/);
    } finally {
      directory.remove();
    }
  });

  it('resumes from the frozen sample of progress format v1 (t1 finished, t2 reflected, nothing of t2 decided)', async () => {
    const sample = JSON.parse(readFileSync(new URL('./fixtures/progress-v1.json', import.meta.url), 'utf8')) as { runId: string; rows: Record<string, JsonValue> };
    const store = createMemoryStore();
    for (const [key, value] of Object.entries(sample.rows)) if (value !== null) await store.putState(learnProgressScope(sample.runId), key, value);
    const library = new Library({ store });
    const agent = answeringModel(() => 'wrong');
    const learner = learnerModel([noProposals]);
    const events: LearnEvent[] = [];
    const run = runLearn({
      tasks: stream(),
      library,
      index: new LibraryIndex(),
      actor: createAgentActor({ model: agent, store, limits: { maxSteps: 2 } }),
      learner,
      config: config({ gate: { holdoutSize: 0 } }),
      progress: storeLearnProgress(store, sample.runId),
    });
    run.events.subscribe((event) => events.push(event));
    const result = await run.result;
    learner.verify();
    expect(agent.systems).toHaveLength(1);
    expect(result.curves.map((point) => [point.taskId, point.committed])).toEqual([
      ['t1', 1],
      ['t2', 1],
      ['t3', 0],
    ]);
    expect(result.attempts.map((attempt) => attempt.taskId)).toEqual(['t1', 't2', 't3']);
    expect((await library.require('lesson', 'kelvin-offset')).version.evaluation).toMatchObject({ proposalId: `${sample.runId}:t2#0`, taskId: 't2' });
    expect(events.filter((event) => event.type === 'task-started').map((event) => event.type === 'task-started' && event.taskId)).toEqual(['t2', 't3']);
    await store.close();
  });
});
