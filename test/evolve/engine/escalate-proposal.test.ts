import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import { createMemoryStore, createScriptedModel, type ScriptedModel } from '../../../src/testing/index.ts';
import { fakeEvaluator, fakeProblem, programPath } from './fakes.ts';

/**
 * The cascade in evolve's proposal step: a cheap model whose reply is no edit (a refusal) is
 * followed by the strong model on the same request, and the child is the strong model's.
 */
const onlyDiff = { operators: { 'llm-rewrite': 0, 'llm-crossover': 0, 'numeric-tune': 0 }, repair: false };
const editTo = (value: string) => `<<<<<<< SEARCH\nx = 10\n=======\nx = ${value}\n>>>>>>> REPLACE`;

async function runOnce(cheap: ScriptedModel, strong: ScriptedModel | undefined) {
  const store = createMemoryStore();
  try {
    const handle = evolve({
      problem: fakeProblem(10, onlyDiff),
      store,
      models: [cheap],
      escalateTo: strong,
      evaluator: fakeEvaluator(),
      iterations: 1,
      seed: 2,
      concurrency: { evaluations: 1, proposals: 1 },
    });
    for await (const _event of handle.events) {
      // drained
    }
    await handle.result;
    return (await store.listPrograms((await handle.runId)))[1]!;
  } finally {
    await store.close();
  }
}

describe('evolve --escalate', () => {
  it('asks the strong model when the cheap reply cannot be used, and records the child as the strong model\'s', async () => {
    const cheap = createScriptedModel({ spec: 'scripted:cheap', replies: ["I can't help with editing this program."] });
    const strong = createScriptedModel({ spec: 'scripted:strong', replies: [editTo('3')] });
    const child = await runOnce(cheap, strong);
    cheap.verify();
    strong.verify();
    expect(child.status).toBe('evaluated');
    expect(child.model).toBe('scripted:strong');
    expect(child.files[programPath]).toContain('x = 3');
  });

  it('records the unusable reply as before without a strong model, and never asks one for a usable reply', async () => {
    const refusing = createScriptedModel({ spec: 'scripted:cheap', replies: ["I can't help with editing this program."] });
    const failed = await runOnce(refusing, undefined);
    refusing.verify();
    expect(failed.status).toBe('rejected');
    expect(failed.failure?.kind).toBe('apply-failed');

    const able = createScriptedModel({ spec: 'scripted:cheap', replies: [editTo('4')] });
    const unused = createScriptedModel({ spec: 'scripted:strong', replies: [] });
    const child = await runOnce(able, unused);
    able.verify();
    unused.verify();
    expect(child.model).toBe('scripted:cheap');
  });
});
