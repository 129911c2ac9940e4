import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.ts';
import { evolve } from '../../../src/evolve/evolve.ts';
import { createMemoryStore, createScriptedModel, type ScriptedReplyValue } from '../../../src/testing/index.ts';
import { fakeEvaluator, fakeProblem, programPath } from './fakes.ts';

/**
 * Replies that must never become an evaluated child: one cut off at the output token limit (even
 * when what arrived looks like a whole edit), one over the reply cap, and a child over the program
 * cap. Each is stored as a failure of its own kind, with what the call cost, and not evaluated.
 */
const onlyDiff = { operators: { 'llm-rewrite': 0, 'llm-crossover': 0, 'numeric-tune': 0 }, repair: false };
const editTo = (value: string) => `<<<<<<< SEARCH\nx = 10\n=======\nx = ${value}\n>>>>>>> REPLACE`;

async function runWith(reply: ScriptedReplyValue, settings: Record<string, unknown> = {}, limits: { maxReplyChars?: number } = {}) {
  const store = createMemoryStore();
  const evaluator = fakeEvaluator();
  try {
    const model = createScriptedModel({ replies: [reply], limits, pricing: { inputPerMillion: 1, outputPerMillion: 1 } });
    const handle = evolve({
      problem: fakeProblem(10, { ...onlyDiff, ...settings }),
      store,
      models: [model],
      evaluator,
      iterations: 1,
      seed: 2,
      concurrency: { evaluations: 1, proposals: 1 },
    });
    for await (const _event of handle.events) {
      // drained
    }
    const summary = await handle.result;
    const child = (await store.listPrograms(summary.runId))[1]!;
    return { summary, child, evaluations: evaluator.log.length };
  } finally {
    await store.close();
  }
}

describe('evolve never applies a cut-off or oversized reply', () => {
  it('records a reply cut off at the length limit as reply-truncated, even when the edit looks whole', async () => {
    const { summary, child, evaluations } = await runWith({ text: editTo('3'), finishReason: 'length' });
    expect(child.status).toBe('failed');
    expect(child.failure?.kind).toBe('reply-truncated');
    expect(child.failure?.message).toContain('cut off at the output token limit');
    expect(child.reply).toContain('x = 3');
    expect(evaluations).toBe(1);
    expect(summary.failures['reply-truncated']).toBe(1);
  });

  it('records a reply over the reply cap as reply-too-large, with its cost', async () => {
    const { child, evaluations } = await runWith(editTo(`3 + ${'0 + '.repeat(400)}0`), {}, { maxReplyChars: 500 });
    expect(child.status).toBe('failed');
    expect(child.failure?.kind).toBe('reply-too-large');
    expect(child.failure?.message).toContain('over the cap of 500');
    expect(child.tokensOut).toBeGreaterThan(0);
    expect(evaluations).toBe(1);
  });

  it('records a child over the program cap as program-too-large, not evaluated', async () => {
    const { child, evaluations, summary } = await runWith(editTo(`3 + ${'0 + '.repeat(100)}0`), { maxProgramChars: 300 });
    expect(child.status).toBe('failed');
    expect(child.failure?.kind).toBe('program-too-large');
    expect(child.failure?.message).toContain('over the cap of 300 (settings.maxProgramChars)');
    expect(child.files[programPath]).toBeUndefined();
    expect(evaluations).toBe(1);
    expect(summary.evaluations).toBe(1);
  });

  it('refuses an initial program over the cap before the run starts, naming the setting', async () => {
    const failure = await runWith(editTo('3'), { maxProgramChars: 10 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).field).toBe('settings.maxProgramChars');
  });
});
