import { describe, expect, expectTypeOf, it } from 'vitest';
import { runAgent } from '../../src/agent/run-agent.ts';
import type { AgentEvent, AgentResult } from '../../src/agent/types.ts';
import type { RunHandle } from '../../src/core/run-handle.ts';
import type { EvolveEvent, EvolveSummary } from '../../src/evolve/engine/events.ts';
import { evolve } from '../../src/evolve/evolve.ts';
import { createAgentActor } from '../../src/learn/actor.ts';
import type { LearnEvent } from '../../src/learn/learn-events.ts';
import { runLearn, type LearnResult } from '../../src/learn/learn-loop.ts';
import { storeLearnProgress } from '../../src/learn/learn-progress.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { createMemoryStore, createScriptedModel } from '../../src/testing/index.ts';
import { customTool } from '../agent/helpers.ts';
import { fakeEvaluator, fakeProblem, tuningOperator } from '../evolve/engine/fakes.ts';
import { answeringModel, config, learnerModel, noProposals, tasks } from '../learn/support.ts';

/** Drains a handle's events into a list while the run goes on. */
function collect<Event>(handle: RunHandle<Event, unknown>): Promise<Event[]> {
  return (async () => {
    const events: Event[] = [];
    for await (const event of handle.events) events.push(event);
    return events;
  })();
}

describe('one RunHandle for evolve, the agent and learn', () => {
  it('is the return type of all three', () => {
    expectTypeOf(evolve).returns.toEqualTypeOf<RunHandle<EvolveEvent, EvolveSummary>>();
    expectTypeOf(runAgent).returns.toExtend<RunHandle<AgentEvent, AgentResult>>();
    expectTypeOf(runLearn).returns.toEqualTypeOf<RunHandle<LearnEvent, LearnResult>>();
  });

  it('evolve: events iterate, and stop() ends the run as stopped', async () => {
    const store = createMemoryStore();
    const handle = evolve({ problem: fakeProblem(10), store, evaluator: fakeEvaluator(), operators: [tuningOperator()], iterations: 100_000 });
    const stopAfterThree = handle.events.subscribe((event) => {
      if (event.type === 'candidate-evaluated' && event.iteration >= 3) handle.stop('enough');
    });
    const events = collect(handle);
    const summary = await handle.result;
    stopAfterThree();
    expect(summary.status).toBe('stopped');
    expect(summary.iterations).toBeLessThan(100_000);
    expect((await store.getRun(await handle.runId))?.status).toBe('stopped');
    expect((await events).some((event) => event.type === 'candidate-evaluated')).toBe(true);
    await store.close();
  });

  it('agent: events iterate, and stop() ends the run as stopped', async () => {
    const store = createMemoryStore();
    // The tool stops the run from inside its first step, so the stop lands while the run is going.
    const started: { handle?: RunHandle<AgentEvent, AgentResult> } = {};
    const ping = customTool('ping', 'Ping', () => {
      started.handle?.stop('enough');
      return 'pong';
    });
    const model = createScriptedModel({ replies: [{ toolCalls: [{ name: 'ping', input: {} }] }] });
    const handle = runAgent({ task: 't', model, store, tools: [ping], builtinTools: false });
    started.handle = handle;
    const events = collect(handle);
    const result = await handle.result;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'aborted' });
    expect(await handle.runId).toBe(result.runId);
    expect((await store.getRun(result.runId))?.status).toBe('stopped');
    expect((await events).map((event) => event.type)).toEqual(expect.arrayContaining(['run-started', 'run-finished']));
    await store.close();
  });

  it('learn: events iterate, stop() ends the run as stopped at a safe point, and the same progress resumes it', async () => {
    const store = createMemoryStore();
    const runId = (await store.createRun({ kind: 'learn', name: 'stream', config: {} })).id;
    const stream = tasks(
      { id: 't1', prompt: 'One.', verify: { type: 'exact', expected: 'x' } },
      { id: 't2', prompt: 'Two.', verify: { type: 'exact', expected: 'x' } },
      { id: 't3', prompt: 'Three.', verify: { type: 'exact', expected: 'x' } },
    );
    const start = () =>
      runLearn({
        tasks: stream,
        library: new Library({ store }),
        index: new LibraryIndex(),
        actor: createAgentActor({ model: answeringModel(() => 'x'), store, limits: { maxSteps: 2 } }),
        learner: learnerModel(Array.from({ length: 10 }, () => noProposals)),
        config: config({ gate: { holdoutSize: 0 } }),
        progress: storeLearnProgress(store, runId),
      });
    const first = start();
    expect(await first.runId).toBe(runId);
    // Stopped as the first task finishes: the loop sees it before it starts the second.
    first.events.subscribe((event) => {
      if (event.type === 'task-finished') first.stop('enough');
    });
    const firstEvents = collect(first);
    const stopped = await first.result;
    expect(stopped).toMatchObject({ status: 'stopped', stoppedBy: 'enough' });
    expect(stopped.curves.map((point) => point.taskId)).toEqual(['t1']);
    expect((await firstEvents).filter((event) => event.type === 'task-finished')).toHaveLength(1);

    const second = start();
    const resumed = await second.result;
    expect(resumed.status).toBe('finished');
    expect(resumed.resumedTasks).toBe(1);
    expect(resumed.curves.map((point) => point.taskId)).toEqual(['t1', 't2', 't3']);
    await store.close();
  });
});
