import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import type { EvolveSummary } from '../../../src/evolve/engine/events.ts';
import { ModelOutputError } from '../../../src/core/errors.ts';
import { ProposalRejectedError } from '../../../src/evolve/operators/proposal-error.ts';
import type { Operator } from '../../../src/evolve/types.ts';
import type { LanguageModelClient } from '../../../src/model/types.ts';
import { libraryRouteBook } from '../../../src/learn/evolve-route-book.ts';
import { readModelRoute } from '../../../src/learn/model-routes.ts';
import { Library } from '../../../src/library/library.ts';
import { createMemoryStore } from '../../../src/testing/index.ts';
import type { ProgramRecord, Store } from '../../../src/store/types.ts';
import { fakeEvaluator, fakeProblem, modelOperator, programPath, programWith, scriptedModel, valueOf } from './fakes.ts';

/**
 * Evolve's cascade learns per operator which proposals need the strong model, keeps that in the
 * library between runs, repairs a child the cheap model broke with the strong one, and reports
 * what it cost against always-strong. Two scripted models of different ability and price: the
 * cheap one cannot write diffs (its replies are no edit) but writes rewrites; the strong one writes both.
 */
const cheapCost = 0.001;
const strongCost = 0.02;

function models() {
  const cheap = scriptedModel({ spec: 'scripted:cheap', costUsd: cheapCost, reply: (_call, prompt) => (prompt.startsWith('diff') ? 'I cannot write a diff' : '4') });
  const strong = scriptedModel({ spec: 'scripted:strong', costUsd: strongCost, reply: () => '3.5' });
  return { cheap, strong };
}

/**
 * An operator named `name` whose prompt says which it is, so the scripted models can tell them
 * apart; a reply that is not a number is rejected with what it cost, as the LLM operators do.
 */
function namedOperator(name: string): Operator {
  return {
    specificationVersion: 'v1',
    name,
    needsModel: true,
    async propose(context) {
      const prompt = `${name.slice(4)} parent x = ${valueOf(context.parent.files)}`;
      const reply = await context.model!.generateText({ prompt, ...(context.meter ? { meter: context.meter } : {}) });
      const next = Number(reply.text);
      if (!Number.isFinite(next)) {
        throw new ProposalRejectedError({ cause: new ModelOutputError(`reply is not a number: ${reply.text}`), operator: name, model: reply.model, prompt, reply: reply.text, usage: reply.usage });
      }
      const files = { ...context.parent.files, [programPath]: programWith(next) };
      return { files, diff: `x -> ${next}`, operator: name, model: reply.model, prompt, reply: reply.text, usage: reply.usage };
    },
  };
}

async function run(store: Store, library: Library, cheap: LanguageModelClient, strong: LanguageModelClient): Promise<{ summary: EvolveSummary; programs: ProgramRecord[] }> {
  const handle = evolve({
    problem: fakeProblem(10, { routeAfterFailures: 2, repair: false, operators: { 'llm-diff': 0.5, 'llm-rewrite': 0.5, 'numeric-tune': 0 } }),
    store,
    models: [cheap],
    escalateTo: strong,
    routeBook: libraryRouteBook(library),
    operators: [namedOperator('llm-diff'), namedOperator('llm-rewrite')],
    evaluator: fakeEvaluator(),
    iterations: 12,
    seed: 5,
    // One candidate at a time, so each proposal is made from every earlier result.
    concurrency: { evaluations: 1, window: 1 },
  });
  const summary = await handle.result;
  return { summary, programs: (await store.listPrograms(summary.runId)).slice(1) };
}

describe('the cascade in evolve', () => {
  it('routes an operator the cheap model keeps failing to the strong one, keeps the route in the library for the next run, and reports the saving', async () => {
    const store = createMemoryStore();
    const library = new Library({ store });
    const first = models();
    const { summary, programs } = await run(store, library, first.cheap, first.strong);
    const diffs = programs.filter((program) => program.operator === 'llm-diff');
    const rewrites = programs.filter((program) => program.operator === 'llm-rewrite');
    expect(diffs.length).toBeGreaterThan(2);
    expect(rewrites.length).toBeGreaterThan(0);
    // Every diff is the strong model's: two after the cheap reply could not be used, the rest at once.
    expect(diffs.every((program) => program.model === 'scripted:strong')).toBe(true);
    expect(rewrites.every((program) => program.model === 'scripted:cheap')).toBe(true);
    expect(first.cheap.calls).toBe(rewrites.length + 2);
    expect(first.strong.calls).toBe(diffs.length);
    expect(summary.cascade).toMatchObject({ proposals: 12, cheap: rewrites.length, escalated: 2, routedStrong: diffs.length - 2, repairedByStrong: 0, strongOperators: ['llm-diff'] });
    const spent = first.cheap.calls * cheapCost + first.strong.calls * strongCost;
    expect(summary.cascade!.costUsd).toBeCloseTo(spent, 10);
    expect(summary.cascade!.costUsd).toBeCloseTo(summary.usage.costUsd, 10);
    expect(summary.cascade!.alwaysStrongEstimateUsd).toBeCloseTo(12 * strongCost, 10);
    expect(summary.cascade!.savedEstimateUsd).toBeCloseTo(12 * strongCost - spent, 10);

    // The routes are library items, versioned with the run that learned them.
    expect(await readModelRoute(library, 'evolve-llm-diff')).toEqual({ taskKind: 'evolve-llm-diff', route: 'strong', cheapAttempts: 2, cheapFailures: 2 });
    expect(await readModelRoute(library, 'evolve-llm-rewrite')).toEqual({ taskKind: 'evolve-llm-rewrite', route: 'cheap-first', cheapAttempts: rewrites.length, cheapFailures: 0 });
    expect((await library.history('prompt', 'model-route-evolve-llm-diff'))[0]!.evaluation).toMatchObject({ origin: 'model-cascade', runId: summary.runId, operator: 'llm-diff' });

    // The next run reads them: its diffs go to the strong model from the first one, and the cheap one never tries.
    const second = models();
    const next = await run(store, library, second.cheap, second.strong);
    const nextRewrites = next.programs.filter((program) => program.operator === 'llm-rewrite').length;
    expect(second.cheap.calls).toBe(nextRewrites);
    expect(next.summary.cascade).toMatchObject({ escalated: 0, routedStrong: 12 - nextRewrites });
    await store.close();
  });

  it('has the strong model repair a child the cheap model broke', async () => {
    const store = createMemoryStore();
    // The cheap model's child is x = 13, which crashes the evaluator; the repair is the strong model's.
    const cheap = scriptedModel({ spec: 'scripted:cheap', costUsd: cheapCost, reply: () => '13' });
    const strong = scriptedModel({ spec: 'scripted:strong', costUsd: strongCost, reply: () => '3' });
    const handle = evolve({
      problem: fakeProblem(10, { repair: true, operators: { 'llm-diff': 1, 'numeric-tune': 0 } }),
      store,
      models: [cheap],
      escalateTo: strong,
      operators: [modelOperator('llm-diff'), modelOperator('repair')],
      evaluator: fakeEvaluator(),
      iterations: 2,
      seed: 3,
      concurrency: { evaluations: 1, window: 1 },
    });
    const summary = await handle.result;
    const [, broken, repaired] = await store.listPrograms(summary.runId);
    expect(broken).toMatchObject({ operator: 'llm-diff', model: 'scripted:cheap', status: 'failed' });
    expect(repaired).toMatchObject({ operator: 'repair', model: 'scripted:strong', status: 'evaluated', parentId: broken!.id });
    expect([cheap.calls, strong.calls]).toEqual([1, 1]);
    expect(summary.cascade).toMatchObject({ proposals: 2, cheap: 1, repairedByStrong: 1 });
    await store.close();
  });

  it('leaves a run without a strong model as it was: no routes, no cascade summary', async () => {
    const store = createMemoryStore();
    const { cheap } = models();
    const handle = evolve({ problem: fakeProblem(10, { repair: false, operators: { 'llm-rewrite': 1, 'numeric-tune': 0 } }), store, models: [cheap], operators: [namedOperator('llm-rewrite')], evaluator: fakeEvaluator(), iterations: 3, seed: 1 });
    const summary = await handle.result;
    expect(summary.cascade).toBeUndefined();
    expect(cheap.calls).toBe(3);
    await store.close();
  });
});
