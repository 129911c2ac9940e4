import { describe, expect, it } from 'vitest';
import { createAgentActor } from '../../src/learn/actor.ts';
import type { LearnConfig } from '../../src/learn/learn-config.ts';
import { runLearn, type LearnResult } from '../../src/learn/learn-loop.ts';
import { storeLearnProgress } from '../../src/learn/learn-progress.ts';
import { readModelRoute } from '../../src/learn/model-routes.ts';
import type { Task } from '../../src/learn/task-stream.ts';
import type { Library } from '../../src/library/library.ts';
import { createUsageMeter } from '../../src/model/usage-meter.ts';
import { createScriptedModel, type ScriptedModel, type ScriptedRequest } from '../../src/testing/scripted-model.ts';
import { config, learnerModel, memoryLibrary, noProposals, tasks } from './support.ts';

// Two models of different ability and price: the cheap one cannot do arithmetic, the strong one can.
const cheapPricing = { inputPerMillion: 1, outputPerMillion: 1 };
const strongPricing = { inputPerMillion: 20, outputPerMillion: 20 };
const usage = { inputTokens: 1000, outputTokens: 100 };

function taskText(request: ScriptedRequest): string {
  return request.messages.find((message) => message.role === 'user')?.text ?? '';
}

function rightAnswer(task: string): string {
  const sum = /Add (\d+) and (\d+)/.exec(task);
  if (sum !== null) return String(Number(sum[1]) + Number(sum[2]));
  const word = /Spell (\w+) backwards/.exec(task);
  return word === null ? '?' : [...word[1]!].reverse().join('');
}

/** A model with exactly `calls` replies: the strong one always answers right, the cheap one only spelling. */
function agentModel(ability: 'cheap' | 'strong', calls: number): ScriptedModel {
  const reply = (request: ScriptedRequest) => {
    const task = taskText(request);
    const answer = ability === 'cheap' && /Add \d+ and \d+/.test(task) ? '0' : rightAnswer(task);
    return { toolCalls: [{ name: 'final_answer', input: { answer } }], usage };
  };
  return createScriptedModel({ spec: `scripted:${ability}`, pricing: ability === 'cheap' ? cheapPricing : strongPricing, replies: Array.from({ length: calls }, () => reply) });
}

const arithmetic = (id: string, a: number, b: number) => ({ id, prompt: `Add ${a} and ${b}.`, tags: ['arithmetic'], verify: { type: 'exact', expected: String(a + b) } });
const spelling = (id: string, word: string) => ({ id, prompt: `Spell ${word} backwards.`, tags: ['spelling'], verify: { type: 'exact', expected: [...word].reverse().join('') } });

function stream(): Task[] {
  return tasks(arithmetic('a1', 2, 3), spelling('s1', 'lamp'), arithmetic('a2', 7, 8), spelling('s2', 'stone'), arithmetic('a3', 10, 11), spelling('s3', 'river'), arithmetic('a4', 4, 4));
}

async function learn(setup: { library: Library; tasks: Task[]; first: ScriptedModel; strong?: ScriptedModel; learnConfig?: LearnConfig }) {
  const meter = createUsageMeter();
  const learner = learnerModel(setup.tasks.map(() => noProposals));
  const actorFor = (model: ScriptedModel) => createAgentActor({ model, store: setup.library.store, meter, limits: { maxSteps: 2 } });
  const learnConfig = setup.learnConfig ?? config({ gate: { holdoutSize: 0 } });
  const run = runLearn({
    tasks: setup.tasks,
    library: setup.library,
    actor: actorFor(setup.first),
    ...(setup.strong === undefined ? {} : { escalation: { strong: actorFor(setup.strong), ...learnConfig.escalation } }),
    learner,
    config: learnConfig,
    meter,
  });
  const result: LearnResult = await run.result;
  learner.verify();
  setup.first.verify();
  setup.strong?.verify();
  return { result, totals: meter.totals() };
}

describe('model cascade in learn', () => {
  it('matches always-strong success at a lower recorded cost, and learns that arithmetic needs the strong model', async () => {
    const baseline = await learn({ library: memoryLibrary().library, tasks: stream(), first: agentModel('strong', 7) });

    const { library } = memoryLibrary();
    // The cheap model tries all three spelling tasks and the first two sums; after two failed sums
    // arithmetic is routed to the strong model, which answers a1 and a2 again, then a3 and a4 at once.
    const cheap = agentModel('cheap', 5);
    const strong = agentModel('strong', 4);
    const cascade = await learn({ library, tasks: stream(), first: cheap, strong });

    const passed = (result: LearnResult) => result.curves.filter((point) => point.passed).length;
    expect(passed(baseline.result)).toBe(7);
    expect(passed(cascade.result)).toBe(passed(baseline.result));
    expect(cascade.result.curves.map((point) => point.cascade?.used)).toEqual(['escalated', 'cheap', 'escalated', 'cheap', 'strong', 'cheap', 'strong']);
    expect(cascade.result.curves[0]!.cascade?.reason).toBe('verifier-failed');

    // From the recorded usage: the strong model made 4 calls instead of 7, and the run cost less.
    expect(baseline.totals.byModel['scripted:strong']?.calls).toBe(7);
    expect(cascade.totals.byModel['scripted:strong']?.calls).toBe(4);
    expect(cascade.totals.byModel['scripted:cheap']?.calls).toBe(5);
    expect(cascade.totals.costUsd).toBeLessThan(baseline.totals.costUsd);

    // The summary's acting cost is what the meter recorded; its always-strong estimate is what the
    // always-strong run actually cost (every strong attempt here costs the same).
    const summary = cascade.result.cascade!;
    expect(summary).toMatchObject({ tasks: 7, passed: 7, cheap: 3, escalated: 2, routedStrong: 2, strongKinds: ['arithmetic'] });
    expect(summary.costUsd).toBeCloseTo(cascade.totals.costUsd, 10);
    expect(summary.alwaysStrongEstimateUsd).toBeCloseTo(baseline.totals.costUsd, 10);
    expect(summary.savedEstimateUsd).toBeCloseTo(baseline.totals.costUsd - cascade.totals.costUsd, 10);
    expect(baseline.result.cascade).toBeUndefined();

    // The routes are versioned library items with the trajectories behind them.
    expect(await readModelRoute(library, 'arithmetic')).toEqual({ taskKind: 'arithmetic', route: 'strong', cheapAttempts: 2, cheapFailures: 2 });
    expect(await readModelRoute(library, 'spelling')).toEqual({ taskKind: 'spelling', route: 'cheap-first', cheapAttempts: 3, cheapFailures: 0 });
    const history = await library.history('prompt', 'model-route-arithmetic');
    expect(history).toHaveLength(2);
    expect(history[1]!.trajectoryIds).toHaveLength(1);
    expect(history[1]!.evaluation).toMatchObject({ origin: 'model-cascade', taskId: 'a2', escalated: true });
    await library.store.close();
  });

  it('sends a kind back to the cheap model first when its route is rolled back', async () => {
    const { library } = memoryLibrary();
    await learn({ library, tasks: tasks(arithmetic('a1', 1, 1), arithmetic('a2', 2, 2)), first: agentModel('cheap', 2), strong: agentModel('strong', 2) });
    expect((await readModelRoute(library, 'arithmetic'))?.route).toBe('strong');
    // Routed: the next sum goes straight to the strong model, and the cheap one is not called.
    const routed = await learn({ library, tasks: tasks(arithmetic('a3', 3, 3)), first: agentModel('cheap', 0), strong: agentModel('strong', 1) });
    expect(routed.result.curves[0]!.cascade?.used).toBe('strong');

    await library.rollback('prompt', 'model-route-arithmetic', 1);
    const rolledBack = await learn({ library, tasks: tasks(arithmetic('a4', 4, 4)), first: agentModel('cheap', 1), strong: agentModel('strong', 1) });
    expect(rolledBack.result.curves[0]!.cascade).toMatchObject({ used: 'escalated', reason: 'verifier-failed' });
    await library.store.close();
  });

  it('counts a cheap attempt on its route once when the process dies before the attempt is recorded and the run is resumed', async () => {
    const { library } = memoryLibrary();
    const progress = storeLearnProgress(library.store, 'run-killed');
    const learnConfig = config({ gate: { holdoutSize: 0 } });
    class SimulatedKill extends Error {}
    // The first process dies while the strong model acts, after the cheap attempt failed.
    const dying = runLearn({
      tasks: tasks(arithmetic('a1', 2, 2)),
      library,
      actor: createAgentActor({ model: agentModel('cheap', 1), store: library.store, limits: { maxSteps: 2 } }),
      escalation: { strong: () => Promise.reject(new SimulatedKill('killed')), ...learnConfig.escalation },
      learner: learnerModel([]),
      config: learnConfig,
      progress,
    });
    await expect(dying.result).rejects.toBeInstanceOf(SimulatedKill);
    const cheap = agentModel('cheap', 1);
    const strong = agentModel('strong', 1);
    const learner = learnerModel([noProposals]);
    const resumed = await runLearn({
      tasks: tasks(arithmetic('a1', 2, 2)),
      library,
      actor: createAgentActor({ model: cheap, store: library.store, limits: { maxSteps: 2 } }),
      escalation: { strong: createAgentActor({ model: strong, store: library.store, limits: { maxSteps: 2 } }), ...learnConfig.escalation },
      learner,
      config: learnConfig,
      progress,
    }).result;
    cheap.verify();
    strong.verify();
    learner.verify();
    expect(resumed.curves[0]!.cascade?.used).toBe('escalated');
    expect(await readModelRoute(library, 'arithmetic')).toMatchObject({ cheapAttempts: 1, cheapFailures: 1 });
    await library.store.close();
  });

  it('escalates a refusal even when nothing can judge the answer, and a low critic confidence', async () => {
    const { library } = memoryLibrary();
    const refusing = createScriptedModel({ spec: 'scripted:cheap', replies: [{ toolCalls: [{ name: 'final_answer', input: { answer: "I can't help with that." } }] }, { toolCalls: [{ name: 'final_answer', input: { answer: 'Paris' } }] }] });
    const strong = createScriptedModel({ spec: 'scripted:strong', replies: [{ toolCalls: [{ name: 'final_answer', input: { answer: 'Rome' } }] }, { toolCalls: [{ name: 'final_answer', input: { answer: 'Paris' } }] }] });
    // No verifiers: the learner is the critic. It passes the strong answer to t1, passes the cheap
    // answer to t2 with a low score (escalate), then the strong answer with a high one.
    const learner = createScriptedModel({
      spec: 'scripted:learner',
      replies: [
        { object: { passed: true, score: 0.9, feedback: 'right' } },
        { object: noProposals },
        { object: { passed: true, score: 0.55, feedback: 'probably right' } },
        { object: { passed: true, score: 0.95, feedback: 'right' } },
        { object: noProposals },
      ],
    });
    const learnConfig = config({ gate: { holdoutSize: 0 } });
    const run = runLearn({
      tasks: tasks({ id: 't1', prompt: 'Name the capital of Italy.', tags: ['geography'] }, { id: 't2', prompt: 'Name the capital of France.', tags: ['geography'] }),
      library,
      actor: createAgentActor({ model: refusing, store: library.store, limits: { maxSteps: 2 } }),
      escalation: { strong: createAgentActor({ model: strong, store: library.store, limits: { maxSteps: 2 } }), ...learnConfig.escalation },
      learner,
      config: learnConfig,
    });
    const result = await run.result;
    refusing.verify();
    strong.verify();
    learner.verify();
    expect(result.curves.map((point) => point.cascade?.reason)).toEqual(['refused', 'low-confidence']);
    expect(result.curves.map((point) => point.passed)).toEqual([true, true]);
    await library.store.close();
  });
});
