import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evolve, type EvolveOptions } from '../../../src/evolve/evolve.ts';
import type { EvolveEvent } from '../../../src/evolve/engine/events.ts';
import type { Evaluator, Operator } from '../../../src/evolve/types.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { closeAfterEach } from './test-resources.ts';
import { fakeEvaluator, fakeProblem, hashFiles, modelOperator, scriptedModel, tuningOperator, valueOf } from './fakes.ts';

const { memoryStore, keep, keepDirectory } = closeAfterEach();

async function runCollecting(options: EvolveOptions) {
  const handle = evolve(options);
  const events: EvolveEvent[] = [];
  const collecting = (async () => {
    for await (const event of handle.events) events.push(event);
  })();
  const summary = await handle.result;
  await collecting;
  return { summary, events, runId: await handle.runId };
}

describe('evolve engine (model-free)', () => {
  it('improves over the initial program, stores every attempt, and says once that no model is configured', async () => {
    const store = memoryStore();
    const evaluator = fakeEvaluator();
    const operator = tuningOperator();
    const { summary, events, runId } = await runCollecting({
      problem: fakeProblem(10, { islands: 2, migrationInterval: 5 }),
      store,
      evaluator,
      operators: [operator],
      iterations: 40,
      seed: 7,
      concurrency: { evaluations: 1 },
    });
    expect(summary.status).toBe('finished');
    expect(summary.stopReason).toBe('iterations');
    expect(summary.initialScore).toBe(-49);
    expect(summary.bestScore!).toBeGreaterThan(-49);
    expect(summary.iterations).toBe(40);
    expect(await store.countPrograms(runId)).toBe(41);
    expect(operator.observed).toBe(summary.evaluations - 1);
    const notices = events.filter((event) => event.type === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ message: expect.stringContaining('no model configured') });
    expect(events[0]!.type).toBe('run-started');
    expect(events.at(-1)!.type).toBe('run-finished');
    expect(events.some((event) => event.type === 'best-improved')).toBe(true);
    expect(events.some((event) => event.type === 'islands-migrated')).toBe(true);
    const run = await store.getRun(runId);
    expect(run?.status).toBe('finished');
    expect(run?.summary['bestScore']).toBe(summary.bestScore);
    const best = await store.getProgram(summary.bestProgramId!);
    expect(best?.score).toBe(summary.bestScore);
    expect(best?.parentId).not.toBeNull();
    const persisted = await store.listEvents(runId);
    expect(persisted.map((event) => event.type)).toContain('islands-migrated');
  });

  it('moves the operator mix towards the operator that improves, unless the mix is fixed', async () => {
    const counts: Record<string, { tune: number; drift: number }> = {};
    for (const mix of ['adaptive', 'fixed'] as const) {
      const worse = tuningOperator();
      // A second model-free operator whose children are always worse: every call it gets is wasted.
      const wasteful = { ...worse, name: 'drift', async propose(context: Parameters<typeof worse.propose>[0]) {
        const proposal = await worse.propose(context);
        return { ...proposal, operator: 'drift', files: { ...proposal.files, 'program.py': proposal.files['program.py']!.replace(/x = (-?[\d.e+-]+)/, (_, value: string) => `x = ${Number(value) + 50 + context.random.next()}`) } };
      } };
      const { summary } = await runCollecting({
        problem: fakeProblem(10, { islands: 1, operators: { 'numeric-tune': 1, drift: 1 }, operatorMix: mix }),
        store: memoryStore(),
        evaluator: fakeEvaluator(),
        operators: [tuningOperator(), wasteful],
        iterations: 80,
        seed: 11,
        concurrency: { evaluations: 1 },
      });
      counts[mix] = { tune: summary.operators['numeric-tune']!.proposed, drift: summary.operators['drift']!.proposed };
    }
    expect(counts['fixed']!.drift).toBeGreaterThan(25);
    expect(counts['adaptive']!.drift).toBeLessThan(counts['fixed']!.drift / 2);
    expect(counts['adaptive']!.tune).toBeGreaterThan(counts['fixed']!.tune);
  });

  it('is reproducible with a seed and one evaluation slot', async () => {
    const sequences: number[][] = [];
    for (let round = 0; round < 2; round += 1) {
      const store = memoryStore();
      const { runId, summary } = await runCollecting({
        problem: fakeProblem(10),
        store,
        evaluator: fakeEvaluator(),
        operators: [tuningOperator()],
        iterations: 30,
        seed: 42,
        concurrency: { evaluations: 1 },
      });
      const programs = await store.listPrograms(runId);
      sequences.push([...programs.map((program) => valueOf(program.files)), summary.bestScore!]);
    }
    expect(sequences[0]).toEqual(sequences[1]);
    const other = memoryStore();
    const { runId } = await runCollecting({ problem: fakeProblem(10), store: other, evaluator: fakeEvaluator(), operators: [tuningOperator()], iterations: 30, seed: 43, concurrency: { evaluations: 1 } });
    const values = (await other.listPrograms(runId)).map((program) => valueOf(program.files));
    expect(values).not.toEqual(sequences[0]!.slice(0, -1));
  });

  it('replays a seeded run exactly by default, however long each evaluation takes', async () => {
    const runs: number[][] = [];
    for (let round = 0; round < 2; round += 1) {
      const inner = fakeEvaluator();
      // Evaluation times vary at random, so parallel evaluations would finish in a different order each run.
      const jittery: Evaluator = {
        evaluate: async (files, options) => {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 6));
          return inner.evaluate(files, options);
        },
      };
      const store = memoryStore();
      const { runId, summary } = await runCollecting({ problem: fakeProblem(10), store, evaluator: jittery, operators: [tuningOperator()], iterations: 25, seed: 9 });
      runs.push([...(await store.listPrograms(runId)).map((program) => valueOf(program.files)), summary.bestScore!]);
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('stops on a wall-time budget and on stop()', async () => {
    const store = memoryStore();
    const timed = await runCollecting({
      problem: fakeProblem(10),
      store,
      evaluator: fakeEvaluator({ delayMs: 5 }),
      operators: [tuningOperator()],
      budget: { wallTimeMs: 300 },
    });
    expect(timed.summary.stopReason).toBe('wall-time');
    expect(timed.summary.iterations).toBeGreaterThan(0);

    const handle = evolve({ problem: fakeProblem(10), store, evaluator: fakeEvaluator({ delayMs: 5 }), operators: [tuningOperator()] });
    let seen = 0;
    for await (const event of handle.events) {
      if (event.type === 'candidate-evaluated' && ++seen === 5) handle.stop();
    }
    const summary = await handle.result;
    expect(summary.status).toBe('stopped');
    expect((await store.getRun(await handle.runId))?.status).toBe('stopped');

    const controller = new AbortController();
    const signalled = evolve({ problem: fakeProblem(10), store, evaluator: fakeEvaluator({ delayMs: 5 }), operators: [tuningOperator()], signal: controller.signal });
    let evaluated = 0;
    for await (const event of signalled.events) {
      if (event.type === 'candidate-evaluated' && ++evaluated === 3) controller.abort();
    }
    expect((await signalled.result).stopReason).toBe('stopped');
  });
});

describe('evolve engine (with a model)', () => {
  it('overlaps model calls and evaluations up to the configured slots', async () => {
    const store = memoryStore();
    const evaluator = fakeEvaluator({ delayMs: 15 });
    let counter = 0;
    const model = scriptedModel({ delayMs: 10, reply: () => String(3 + (counter++ % 50) / 7) });
    const { summary, events } = await runCollecting({
      problem: fakeProblem(10, { novelty: { threshold: 1 } }),
      store,
      models: [model],
      evaluator,
      operators: [modelOperator()],
      iterations: 24,
      concurrency: { proposals: 3, evaluations: 3, queue: 6 },
    });
    expect(summary.iterations).toBe(24);
    expect(evaluator.maxActive).toBe(3);
    expect(model.maxActive).toBeGreaterThanOrEqual(2);
    expect(events.some((event) => event.type === 'notice')).toBe(false);
    // A model call was in flight while evaluations ran: proposals are not serialised behind evaluations.
    const order = events.filter((event) => event.type === 'candidate-proposed' || event.type === 'candidate-evaluated').map((event) => event.type);
    const firstEvaluated = order.indexOf('candidate-evaluated', 1);
    expect(order.slice(firstEvaluated + 1)).toContain('candidate-proposed');
  });

  it('chooses an operator that declares two parents only once the parent\'s island holds a second, different program', async () => {
    const store = memoryStore();
    let counter = 0;
    const model = scriptedModel({ reply: () => String(4 + (counter++ % 40) / 9) });
    // Named without "crossover": the engine goes by the declared capability, not the name.
    const crossover = modelOperator('blend');
    const partners: (string | undefined)[] = [];
    const watched: Operator = {
      ...crossover,
      requires: { parents: 2 },
      async propose(context: Parameters<typeof crossover.propose>[0]) {
        partners.push(context.otherParent?.id);
        return crossover.propose(context);
      },
    };
    const { summary, events } = await runCollecting({
      problem: fakeProblem(10, { islands: 1, operators: { 'llm-diff': 1, blend: 3 } }),
      store,
      models: [model],
      evaluator: fakeEvaluator(),
      operators: [modelOperator(), watched],
      iterations: 20,
      seed: 3,
      concurrency: { proposals: 1, evaluations: 1 },
    });
    const proposed = events.filter((event) => event.type === 'candidate-proposed');
    // The first child can only be a diff: the island holds the initial program alone.
    expect(proposed[0]).toMatchObject({ operator: 'llm-diff' });
    expect(proposed.some((event) => event.type === 'candidate-proposed' && event.operator === 'blend')).toBe(true);
    expect(partners.length).toBeGreaterThan(0);
    expect(partners.every((id) => id !== undefined)).toBe(true);
    expect(summary.failures['crossover-without-partner'] ?? 0).toBe(0);
  });

  it('runs a tuning burst on a model child that becomes its island\'s best', async () => {
    const store = memoryStore();
    // The model jumps to x = 4 (score -1 against the initial -49); the tuner then polishes it.
    const model = scriptedModel({ reply: (call) => (call === 0 ? '4' : String(20 + call)) });
    const { summary, events } = await runCollecting({
      problem: fakeProblem(10, { islands: 1, operators: { 'llm-diff': 1, 'numeric-tune': 0.01 } }),
      store,
      models: [model],
      evaluator: fakeEvaluator(),
      operators: [modelOperator(), tuningOperator()],
      iterations: 12,
      seed: 5,
      concurrency: { proposals: 1, evaluations: 1, window: 1 },
    });
    const proposed = events.filter((event) => event.type === 'candidate-proposed');
    const evaluated = events.filter((event) => event.type === 'candidate-evaluated');
    const modelChild = evaluated.find((event) => event.operator === 'llm-diff' && event.score === -1)!;
    expect(modelChild).toBeDefined();
    // With a tuner weight of 0.01 its steps come from the burst: the ones right after the model child.
    const bursts = proposed.filter((event) => event.draw === 'burst');
    expect(bursts.length).toBeGreaterThanOrEqual(2);
    expect(bursts.every((event) => event.operator === 'numeric-tune')).toBe(true);
    expect(bursts[0]).toMatchObject({ parentId: modelChild.programId, iteration: modelChild.iteration + 1 });
    expect(summary.operators['numeric-tune']!.proposed).toBeGreaterThanOrEqual(bursts.length);
  });

  it('records every failure kind, feeds the apply-failure reason into the next prompt, and goes on', async () => {
    const store = memoryStore();
    const replies = ['not a number', '13', '4', '4', '2.5', 'boom', '3.25', '3.1', '2.9', '3.01'];
    const model = scriptedModel({ reply: (call) => replies[call % replies.length]! });
    const operator = modelOperator();
    const { summary, runId, events } = await runCollecting({
      problem: fakeProblem(10, { islands: 1, repair: false }),
      store,
      models: [model],
      evaluator: fakeEvaluator(),
      operators: [operator],
      iterations: 10,
      seed: 1,
      concurrency: { evaluations: 1 },
    });
    expect(summary.iterations).toBe(10);
    // Rejections (an edit that did not apply, a duplicate) are counted apart from failures.
    expect(summary.failures).toEqual({ crash: 1 });
    expect(summary.rejections).toEqual({ 'apply-failed': 2, 'novelty-rejected': 1 });
    expect(summary.latestMessages['apply-failed']).toContain('reply is not a number');
    expect(Object.keys(summary.latestMessages).sort()).toEqual(['apply-failed', 'crash', 'novelty-rejected']);
    expect(operator.previousFailures[0]).toContain('reply is not a number');
    const programs = await store.listPrograms(runId);
    const kinds = programs.map((program) => program.failure?.kind ?? program.status);
    expect(kinds).toContain('apply-failed');
    expect(programs.find((program) => program.failure?.kind === 'apply-failed')!.status).toBe('rejected');
    expect(programs.find((program) => program.failure?.kind === 'crash')!.artifacts['stderr']).toContain('unlucky');
    const evaluated = programs.filter((program) => program.status === 'evaluated' && program.parentId !== null);
    expect(evaluated.every((program) => program.model === 'scripted:test' && program.prompt !== null && program.reply !== null && program.tokensIn === 10)).toBe(true);
    expect(events.filter((event) => event.type === 'candidate-rejected').map((event) => (event as { kind: string }).kind).sort()).toEqual(['apply-failed', 'apply-failed', 'novelty-rejected']);
    // The yield per operator: every attempt is a proposal; rejections are not failures.
    const improved = programs.filter((program) => {
      const parent = programs.find((candidate) => candidate.id === program.parentId);
      return program.score !== null && parent?.score != null && program.score > parent.score;
    }).length;
    expect(summary.operators).toEqual({
      'llm-diff': { proposed: 10, evaluated: 7, improved, rejected: { 'apply-failed': 2, 'novelty-rejected': 1 }, failed: { crash: 1 } },
    });
    expect(improved).toBeGreaterThan(0);
  });

  it('stops cleanly on a USD budget', async () => {
    const store = memoryStore();
    let counter = 0;
    const model = scriptedModel({ costUsd: 0.01, reply: () => String(counter++) });
    const { summary } = await runCollecting({
      problem: fakeProblem(10),
      store,
      models: [model],
      evaluator: fakeEvaluator(),
      operators: [modelOperator()],
      iterations: 100,
      budget: { usd: 0.05 },
      concurrency: { proposals: 1, evaluations: 1 },
    });
    expect(summary.status).toBe('finished');
    expect(summary.stopReason).toBe('budget-usd');
    expect(model.calls).toBe(5);
    expect(summary.usage.costUsd).toBeCloseTo(0.05, 10);
    expect(summary.iterations).toBe(5);
  });

  it('offers crashing children to the repair operator', async () => {
    const store = memoryStore();
    const model = scriptedModel({ reply: (call) => (call === 0 ? '13' : String(3 + call / 10)) });
    const repaired: string[] = [];
    const repair = { ...modelOperator('repair') };
    const originalPropose = repair.propose.bind(repair);
    repair.propose = async (context) => {
      repaired.push(context.parent.id);
      expect(context.parent.failure?.kind).toBe('crash');
      return originalPropose(context);
    };
    const { runId } = await runCollecting({
      problem: fakeProblem(10, { islands: 1, fixRatio: 0 }),
      store,
      models: [model],
      evaluator: fakeEvaluator(),
      operators: [modelOperator(), repair],
      iterations: 3,
      seed: 3,
      concurrency: { evaluations: 1, window: 1 },
    });
    const programs = await store.listPrograms(runId);
    const crashed = programs.find((program) => program.failure?.kind === 'crash')!;
    expect(repaired).toEqual([crashed.id]);
    expect(programs.find((program) => program.parentId === crashed.id)?.operator).toBe('repair');
  });
});

describe('insights, token budgets and checkpoints', () => {
  it('refreshes insights periodically and passes them to operators', async () => {
    const store = memoryStore();
    const seenInsights: string[][] = [];
    const operator = tuningOperator();
    const propose = operator.propose.bind(operator);
    operator.propose = async (context) => {
      seenInsights.push([...context.insights]);
      return propose(context);
    };
    let refreshes = 0;
    const { events, runId } = await runCollecting({
      problem: fakeProblem(10, { insightsEvery: 5, checkpointEvery: 4 }),
      store,
      evaluator: fakeEvaluator(),
      operators: [operator],
      insights: {
        async refresh(input) {
          refreshes += 1;
          expect(input.outcomes.length).toBeGreaterThan(0);
          return [`lesson ${refreshes} after ${input.outcomes.length} outcomes`];
        },
      },
      iterations: 20,
      seed: 2,
      concurrency: { evaluations: 1 },
    });
    const refreshed = events.filter((event) => event.type === 'insights-refreshed');
    expect(refreshed.length).toBeGreaterThanOrEqual(3);
    expect(seenInsights.at(-1)![0]).toMatch(/^lesson \d+/);
    expect(seenInsights[0]).toEqual([]);
    const checkpoint = (await store.getState(`evolve:${runId}`, 'checkpoint')) as { version: number; operators: Record<string, { step: number }>; insights: string[]; random: number[] };
    expect(checkpoint.version).toBe(1);
    expect(typeof checkpoint.operators['numeric-tune']!.step).toBe('number');
    expect(checkpoint.insights.length).toBe(1);
    expect(checkpoint.random).toHaveLength(4);
  });

  it('stops cleanly on a token budget', async () => {
    const store = memoryStore();
    let counter = 0;
    const model = scriptedModel({ reply: () => String(counter++ / 3) });
    const { summary } = await runCollecting({
      problem: fakeProblem(10),
      store,
      models: [model],
      evaluator: fakeEvaluator(),
      operators: [modelOperator()],
      iterations: 100,
      budget: { tokens: 45 },
      concurrency: { proposals: 1, evaluations: 1 },
    });
    expect(summary.stopReason).toBe('budget-tokens');
    expect(model.calls).toBe(3);
    expect(summary.usage.inputTokens + summary.usage.outputTokens).toBe(45);
  });
});

describe('resume', () => {
  it('continues a run from the store without evaluating any program twice', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lamarck-resume-'));
    keepDirectory(directory);
    const evaluator = fakeEvaluator();
    const first = await openStore({ cwd: directory });
    const { runId, summary: firstSummary, events: firstEvents } = await runCollecting({ problem: fakeProblem(10), store: first, evaluator, operators: [tuningOperator()], iterations: 15, seed: 5 });
    expect(firstEvents.filter((event) => event.type === 'notice')).toHaveLength(1);
    await first.close();
    expect(firstSummary.iterations).toBe(15);

    const second = await openStore({ cwd: directory });
    keep(second);
    const resumed = await runCollecting({ resume: runId, problem: fakeProblem(10), store: second, evaluator, operators: [tuningOperator()], iterations: 30 });
    expect(resumed.runId).toBe(runId);
    expect(resumed.summary.resumed).toBe(true);
    // The model-free notice was given when the run started; a resumed run does not repeat it.
    expect(resumed.events.filter((event) => event.type === 'notice')).toEqual([]);
    // The progress rate counts only this process's evaluations, not those before the resume.
    const lastEvaluated = resumed.events.filter((event) => event.type === 'candidate-evaluated').at(-1);
    expect(lastEvaluated?.type === 'candidate-evaluated' && lastEvaluated.totals).toMatchObject({ evaluations: resumed.summary.evaluations, evaluationsHere: resumed.summary.evaluations - firstSummary.evaluations });
    expect(resumed.summary.iterations).toBe(30);
    expect(resumed.summary.initialScore).toBe(-49);
    expect(resumed.summary.bestScore!).toBeGreaterThanOrEqual(firstSummary.bestScore!);
    const programs = await second.listPrograms(runId);
    expect(programs).toHaveLength(31);
    const evaluatedHashes = programs.filter((program) => program.status !== 'rejected').map((program) => hashFiles(program.files));
    expect(new Set(evaluator.log).size).toBe(evaluator.log.length);
    expect(evaluator.log.sort()).toEqual(evaluatedHashes.sort());
  });
});
