import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/run-agent.ts';
import { LibraryKnowledge } from '../../src/learn/library-knowledge.ts';
import { memoryLibrary } from './support.ts';
import { createScriptedModel } from '../../src/testing/scripted-model.ts';

describe('LibraryKnowledge', () => {
  it('injects relevant skills and lessons within the token budget and loads skill bodies with their files', async () => {
    const { library, index } = memoryLibrary();
    await library.add('skill', 'csv-parsing', { description: 'Count the fields of CSV rows with quoted commas. Use for CSV tasks.', body: '1. Split carefully.', files: { 'scripts/split.py': 'print(1)\n' } });
    await library.add('lesson', 'csv-quotes', { title: 'quotes', text: 'CSV fields may contain quoted commas.' });
    await library.add('lesson', 'dates', { title: 'dates', text: 'Compare ISO dates as strings.' });
    await library.add('lesson', 'retired-csv', { title: 'old', text: 'Old CSV advice.' }, { status: 'retired' });
    await index.sync(library);
    const knowledge = new LibraryKnowledge({ index, task: 'Count the fields of this CSV row with quoted commas', tokenBudget: 200 });
    expect((await knowledge.skills()).map((skill) => skill.name)).toEqual(['csv-parsing']);
    expect((await knowledge.lessons('ignored')).map((lesson) => lesson.text)).toEqual(['Strategy (quotes): CSV fields may contain quoted commas.']);
    expect(knowledge.tokensInjected).toBeGreaterThan(0);
    expect(knowledge.tokensInjected).toBeLessThanOrEqual(200);
    expect(await knowledge.loadSkill('csv-parsing')).toContain('--- scripts/split.py\nprint(1)');
    await expect(knowledge.loadSkill('nope')).rejects.toThrow(/skill not found/);
    const tight = new LibraryKnowledge({ index, task: 'Count the fields of this CSV row with quoted commas', tokenBudget: 5 });
    expect(await tight.lessons('x')).toEqual([]);
    expect(tight.tokensInjected).toBe(0);
    await library.store.close();
  });

  it('gives the agent its guardrails, which block a forbidden tool call before it runs', async () => {
    const { library, index } = memoryLibrary();
    await library.add('guardrail', 'no-delete-all', {
      condition: 'cleaning up files',
      action: 'delete everything with rm -rf',
      why: 'it destroyed the workspace once',
      tools: ['shell'],
      pattern: 'rm\\s+-rf',
    });
    await index.sync(library);
    const knowledge = new LibraryKnowledge({ index, task: 'clean up', tokenBudget: 100 });
    expect(knowledge.guardrails()).toEqual([
      { id: expect.any(String), name: 'no-delete-all', tools: ['shell'], pattern: 'rm\\s+-rf', reason: 'When cleaning up files, do not delete everything with rm -rf: it destroyed the workspace once' },
    ]);
    let executed = 0;
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'shell', input: { command: 'rm -rf /' } }] },
        { toolCalls: [{ name: 'final_answer', input: { answer: 'refused' } }] },
      ],
    });
    const result = await runAgent({
      task: 'clean up',
      model,
      knowledge,
      builtinTools: false,
      tools: [
        {
          name: 'shell',
          description: 'Runs a command.',
          inputSchema: { type: 'object', properties: { command: { type: 'string' } } },
          source: 'custom',
          execute: async () => {
            executed += 1;
            return { content: 'ran' };
          },
        },
      ],
    }).result;
    expect(result.answer).toBe('refused');
    expect(executed).toBe(0);
    expect(knowledge.usedArtifacts()).toEqual([{ kind: 'guardrail', name: 'no-delete-all' }]);
    await library.store.close();
  });
});
