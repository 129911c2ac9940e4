import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import { createMemoryStore, createScriptedModel, type ScriptedRequest } from '../../../src/testing/index.ts';
import { fakeEvaluator, fakeProblem } from './fakes.ts';

/**
 * Integration: the real LLM operators (diff, rewrite, crossover, repair), the model bandit and the
 * insights refresher, driven by the scripted model. Each reply edits the parent's x as the prompt
 * shows it; every attempt is stored with its prompt, reply and usage.
 */
describe('evolve with the standard operators and a scripted model', () => {
  it('records prompts, replies, usage and bandit state for every attempt', async () => {
    const store = createMemoryStore();
    try {
      let counter = 0;
      const reply = (request: ScriptedRequest) => {
        if (request.responseFormat === 'json') return { object: { insights: ['small steps toward 3 help'] } };
        counter += 1;
        const current = /x = (-?[\d.]+)/.exec(request.lastUserText)?.[1] ?? '10';
        const next = (3 + 7 / (counter + 1)).toFixed(4);
        // Diff prompts get SEARCH/REPLACE; rewrite and crossover prompts get the whole block.
        if (/SEARCH/.test(request.system ?? '') || /SEARCH/.test(request.lastUserText)) {
          return `<<<<<<< SEARCH\nx = ${current}\n=======\nx = ${next}\n>>>>>>> REPLACE`;
        }
        return '```python\nx = ' + next + '\n```';
      };
      const model = createScriptedModel({ replies: Array.from({ length: 200 }, () => reply), spec: 'scripted:evolver', pricing: { inputPerMillion: 1, outputPerMillion: 2 } });
      const handle = evolve({
        problem: fakeProblem(10, { islands: 2, insightsEvery: 5, operators: { 'numeric-tune': 0 } }),
        store,
        models: [model],
        evaluator: fakeEvaluator(),
        iterations: 12,
        seed: 4,
        concurrency: { evaluations: 1 },
      });
      const types = new Set<string>();
      for await (const event of handle.events) types.add(event.type);
      const summary = await handle.result;
      expect(summary.iterations).toBe(12);
      expect(summary.bestScore!).toBeGreaterThan(summary.initialScore!);
      expect(summary.usage.costUsd).toBeGreaterThan(0);
      expect(types.has('notice')).toBe(false);
      expect(types.has('insights-refreshed')).toBe(true);
      const programs = await store.listPrograms(summary.runId);
      const children = programs.slice(1);
      expect(new Set(children.map((program) => program.operator)).size).toBeGreaterThanOrEqual(2);
      for (const child of children) {
        expect(child.model).toBe('scripted:evolver');
        expect(child.prompt).toContain('x = ');
        expect(child.reply).not.toBeNull();
        expect(child.tokensIn).toBeGreaterThan(0);
      }
      const checkpoint = (await store.getState(`evolve:${summary.runId}`, 'checkpoint')) as { models: unknown };
      expect(checkpoint.models).not.toBeNull();
    } finally {
      await store.close();
    }
  });
});
