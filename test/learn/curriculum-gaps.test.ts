import { describe, expect, it } from 'vitest';
import { createAgentActor } from '../../src/learn/actor.ts';
import { findLibraryGaps } from '../../src/learn/curriculum-gaps.ts';
import { gapTarget } from '../../src/learn/curriculum.ts';
import { parseLearnConfig } from '../../src/learn/learn-config.ts';
import { runLearn } from '../../src/learn/learn-loop.ts';
import { parseTaskStream, type Task } from '../../src/learn/task-stream.ts';
import { Library } from '../../src/library/library.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { createScriptedModel } from '../../src/testing/scripted-model.ts';
import { createLeveledAgent, leveledAgentReply, sumPrompt, sumTerms } from './curriculum-scripted.ts';

function sumTask(id: string, addends: number): object {
  const prompt = sumPrompt(addends, addends);
  return { id, prompt, tags: ['sums'], verify: { type: 'exact', expected: String(sumTerms(prompt)!.reduce((sum, value) => sum + value, 0)) } };
}

// Sums of 2, 3, 5 and 6 numbers (tagged), and untagged tasks the agent cannot do: two unit
// conversions that share their words, and one question that shares none.
const tasks = parseTaskStream(
  [
    sumTask('sum-2', 2),
    sumTask('sum-3', 3),
    sumTask('sum-5', 5),
    sumTask('sum-6', 6),
    { id: 'convert-1', prompt: 'Convert 5 miles to kilometres.', verify: { type: 'exact', expected: '8.05' } },
    { id: 'convert-2', prompt: 'Convert 12 miles to kilometres.', verify: { type: 'exact', expected: '19.31' } },
    { id: 'capital', prompt: 'Name the capital of France.', verify: { type: 'exact', expected: 'Paris' } },
  ]
    .map((line) => JSON.stringify(line))
    .join('\n'),
);

/** A learn run whose agent of this ability solves, on a first try, sums of up to ability + 1 numbers. */
async function learnWith(library: Library, stream: Task[], ability: number): Promise<void> {
  const agent = createLeveledAgent(ability);
  const model = createScriptedModel({ spec: 'scripted:agent', replies: stream.map(() => leveledAgentReply(agent)) });
  const learner = createScriptedModel({ spec: 'scripted:learner', replies: stream.map(() => ({ object: { rootCause: '', keyInsight: '', proposals: [] } })) });
  const config = parseLearnConfig({ consolidateEvery: 0, mirror: false, gate: { holdoutSize: 0 } });
  await runLearn({ tasks: stream, library, actor: createAgentActor({ model, store: library.store, limits: { maxSteps: 2 } }), learner, config }).result;
  model.verify();
}

describe('the library\'s gaps', () => {
  it('groups the tasks that still fail by kind, and untagged ones by shared words, with their salient terms', async () => {
    const library = new Library({ store: createMemoryStore() });
    await learnWith(library, tasks, 3);
    const gaps = await findLibraryGaps(library, { maxGaps: 10 });
    expect(gaps).toEqual([
      { id: 'failures-convert', type: 'failure-cluster', kind: 'convert', failed: 2, attempted: 2, terms: ['convert', 'kilometres', 'miles'], examples: [{ prompt: 'Convert 5 miles to kilometres.', answer: 'no idea' }, { prompt: 'Convert 12 miles to kilometres.', answer: 'no idea' }], feedback: ['the answer does not match the expected text'] },
      { id: 'failures-sums', type: 'failure-cluster', kind: 'sums', failed: 2, attempted: 4, terms: [], examples: [{ prompt: sumPrompt(5, 5), answer: expect.stringMatching(/^\d+$/) }, { prompt: sumPrompt(6, 6), answer: expect.stringMatching(/^\d+$/) }], feedback: ['the answer does not match the expected text'] },
      { id: 'failures-capital', type: 'failure-cluster', kind: 'capital', failed: 1, attempted: 1, terms: ['capital', 'france', 'name'], examples: [{ prompt: 'Name the capital of France.', answer: 'no idea' }], feedback: ['the answer does not match the expected text'] },
    ]);
    // What the writer is told about a cluster: its size, shared terms, examples and feedback.
    const target = gapTarget(gaps[0]!);
    expect(target).toMatchObject({ id: 'failures-convert', kind: 'convert' });
    expect(target.description).toContain('2 of 2 such tasks still fail');
    expect(target.description).toContain('What the failed tasks share: convert, kilometres, miles.');
    expect(target.description).toContain('- Convert 12 miles to kilometres. (the agent answered "no idea")');
  });

  it('counts a task by its latest attempt: failures a later run passed are no gap', async () => {
    const library = new Library({ store: createMemoryStore() });
    const sums = tasks.filter((task) => task.tags.includes('sums'));
    await learnWith(library, sums, 3);
    const failedOf = async (): Promise<unknown[]> => (await findLibraryGaps(library)).map((gap) => [gap.id, gap.type === 'failure-cluster' ? gap.failed : null]);
    expect(await failedOf()).toEqual([['failures-sums', 2]]);
    // The same id with another prompt (as two curriculum files may have) is another task: passing it hides no failure.
    const easy = sumPrompt(2, 50);
    await learnWith(library, parseTaskStream(JSON.stringify({ id: 'sum-5', prompt: easy, tags: ['sums'], verify: { type: 'exact', expected: String(sumTerms(easy)!.reduce((sum, value) => sum + value, 0)) } })), 3);
    expect(await failedOf()).toEqual([['failures-sums', 2]]);
    await learnWith(library, sums, 5);
    expect(await findLibraryGaps(library)).toEqual([]);
  });

  it('names active skills no held-out task checked, with why, and not those a gate covered', async () => {
    const library = new Library({ store: createMemoryStore() });
    const skill = (description: string) => ({ description, body: `# ${description}` });
    await library.add('skill', 'csv-tidy', skill('Tidy a CSV file'));
    await library.add('skill', 'date-math', skill('Add days to a date'), { evaluation: { gate: { heldOutTaskIds: ['h1', 'h2'], unaffectedTaskIds: ['h1', 'h2'] } } });
    await library.add('skill', 'json-merge', skill('Merge two JSON objects'), { evaluation: { gate: { heldOutTaskIds: ['h1', 'h2'], unaffectedTaskIds: ['h2'] } } });
    await library.add('skill', 'regex-escape', skill('Escape text for a regular expression'), { evaluation: { gate: { heldOutTaskIds: [], unaffectedTaskIds: [] } } });
    await library.add('skill', 'old-habit', skill('Something retired'), { status: 'retired' });
    const gaps = await findLibraryGaps(library, { maxGaps: 10 });
    expect(gaps.map((gap) => [gap.id, gap.type === 'uncovered-skill' ? gap.reason : null])).toEqual([
      ['skill-csv-tidy', 'no gate figures: it was not committed by a gate'],
      ['skill-date-math', "none of its gate's 2 held-out tasks retrieved it"],
      ['skill-regex-escape', 'its gate had no held-out tasks'],
    ]);
    expect(gapTarget(gaps[1]!).description).toBe('Tasks that need the skill "date-math" (Add days to a date). No held-out task has checked this skill yet: none of its gate\'s 2 held-out tasks retrieved it.');
    expect(await findLibraryGaps(library, { maxGaps: 2 })).toHaveLength(2);
  });
});
