import { describe, expect, it } from 'vitest';
import type { LessonContent } from '../../src/library/artifact-content.ts';
import { createScriptedModel, type ScriptedReply } from '../../src/testing/scripted-model.ts';
import { answeringModel, config, learnOnce, lessonProposal, memoryLibrary, noProposals, tasks } from './support.ts';

/**
 * Learn survives bad model replies: a malformed reflection, critic or consolidation reply is a
 * recorded failure of that step and the run goes on; proposals are checked one by one; and a
 * change that would write what the head already holds is neither a version nor a commit.
 */
function learner(replies: ScriptedReply[]) {
  return createScriptedModel({ spec: 'scripted:learner', replies });
}

const lesson = (name: string, text: string) => ({ title: name, text, type: 'strategy', when: '', tags: [] });

describe('learn with malformed replies', () => {
  it('records a reflection that is not JSON twice as a failed step of its task and goes on to the next task', async () => {
    const { library, index } = memoryLibrary();
    const model = learner([
      'I think the agent should try harder.',
      'Still prose, no JSON here.',
      { object: { rootCause: 'r', keyInsight: 'k', proposals: [lessonProposal('check-units', 'Check the units of every quantity before converting.')] } },
    ]);
    const { result, events } = await learnOnce({
      tasks: tasks({ id: 't1', prompt: 'Convert 3 feet to metres.', verify: { type: 'exact', expected: '0.91' } }, { id: 't2', prompt: 'Convert 5 miles to kilometres.', verify: { type: 'exact', expected: '8.05' } }),
      library,
      index,
      agent: answeringModel(() => 'wrong'),
      learner: model,
      config: config({ gate: { holdoutSize: 0 } }),
    });
    model.verify();
    expect(result.curves.map((point) => point.taskId)).toEqual(['t1', 't2']);
    expect(result.curves[0]!.failures).toEqual([{ step: 'reflect', code: 'model-output-invalid', message: expect.stringContaining('invalid structured output twice') }]);
    expect(result.curves[1]!.failures).toEqual([]);
    expect(result.failures).toHaveLength(1);
    expect(result.committed).toBe(1);
    expect(await library.get('lesson', 'check-units')).toBeDefined();
    const failed = events.filter((event) => event.type === 'step-failed');
    expect(failed).toEqual([{ type: 'step-failed', taskId: 't1', failure: result.curves[0]!.failures[0] }]);
    // The failure is the last step of the attempt's trajectory too.
    const trajectory = await library.store.getTrajectory(result.attempts[0]!.trajectoryId!);
    expect(trajectory!.steps.at(-1)).toMatchObject({ type: 'learn-step-failed', data: { step: 'reflect', code: 'model-output-invalid' } });
    await library.store.close();
  });

  it('records a critic reply that is not a verdict as a failed judge step, and still reflects', async () => {
    const { library, index } = memoryLibrary();
    const model = learner(['passed: maybe', '{"verdict": "good"}', { object: noProposals }]);
    const { result, events } = await learnOnce({
      tasks: tasks({ id: 't1', prompt: 'Write a haiku about rain.' }),
      library,
      index,
      agent: answeringModel(() => 'Rain on the tin roof'),
      learner: model,
    });
    model.verify();
    expect(result.curves[0]).toMatchObject({ passed: false, score: 0, verdictSource: 'none' });
    expect(result.curves[0]!.failures).toEqual([{ step: 'judge', code: 'model-output-invalid', message: expect.stringContaining('invalid structured output twice') }]);
    expect(events.some((event) => event.type === 'step-failed' && event.failure.step === 'judge')).toBe(true);
    await library.store.close();
  });

  it('records a consolidation reply that is not JSON as a failed step and keeps the reflections of the same task', async () => {
    const { library, index } = memoryLibrary();
    const model = learner([
      { object: noProposals },
      { object: { ...noProposals, proposals: [lessonProposal('count-quoted-fields', 'Count CSV fields after joining quoted parts.')] } },
      'no json',
      'no json again',
    ]);
    const { result } = await learnOnce({
      tasks: tasks(
        { id: 't1', prompt: 'Parse the CSV row "a,\\"b,c\\",d" and count its fields.', verify: { type: 'exact', expected: '3' } },
        { id: 't2', prompt: 'Parse the CSV row "x,\\"y,z\\"" and count its fields.', verify: { type: 'exact', expected: '2' } },
      ),
      library,
      index,
      agent: answeringModel(() => 'wrong'),
      learner: model,
      config: config({ consolidateEvery: 2, gate: { holdoutSize: 0 } }),
    });
    model.verify();
    expect(result.curves[1]!.failures.map((failure) => failure.step)).toEqual(['consolidate']);
    expect(result.curves[1]!.committed).toBe(1);
    expect(await library.get('lesson', 'count-quoted-fields')).toBeDefined();
    await library.store.close();
  });

  it('checks proposals one by one: a ninth proposal, an unknown lesson type and a bad item tag sink only themselves', async () => {
    const { library, index } = memoryLibrary();
    await library.add('lesson', 'seen-before', lesson('seen-before', 'Read the whole task before answering.'));
    await library.add('lesson', 'also-seen', lesson('also-seen', 'Answer with the number only when the task asks for a number.'));
    const topics = ['rivers', 'volcanoes', 'glaciers', 'deserts', 'forests', 'oceans', 'mountains', 'islands', 'canyons'];
    const proposals: unknown[] = topics.map((topic) => lessonProposal(`about-${topic}`, `Facts about ${topic} need a source for each number.`));
    proposals[3] = { ...lessonProposal('about-deserts', 'Deserts.'), content: { ...lesson('about-deserts', 'Deserts.'), type: 'tip' } };
    const model = learner([
      {
        object: {
          rootCause: 'r',
          keyInsight: 'k',
          proposals,
          itemTags: [
            { name: 'seen-before', tag: 'great' },
            { name: 'also-seen', tag: 'harmful' },
          ],
        },
      },
    ]);
    const agent = answeringModel(() => '4');
    const { result, events } = await learnOnce({
      tasks: tasks({ id: 't1', prompt: 'Read the whole task, then answer with the number only: what is 2 plus 2?', verify: { type: 'exact', expected: '4' } }),
      library,
      index,
      agent,
      learner: model,
      config: config({ gate: { holdoutSize: 0 } }),
    });
    model.verify();
    expect(agent.systems[0]).toContain('Read the whole task before answering.');
    const refused = events.filter((event) => event.type === 'proposal-rejected' && event.proposal === null);
    expect(refused.map((event) => (event.type === 'proposal-rejected' ? event.problems!.join('; ') : ''))).toEqual([
      expect.stringMatching(/type/),
      'proposals.8: over the limit of 8 proposals in one reply',
    ]);
    const committed = events.filter((event) => event.type === 'proposal-committed').map((event) => (event.type === 'proposal-committed' ? event.proposal.name : ''));
    expect(committed).toEqual(['about-rivers', 'about-volcanoes', 'about-glaciers', 'about-forests', 'about-oceans', 'about-mountains', 'about-islands']);
    expect(result.curves[0]).toMatchObject({ committed: 7, rejected: 2, failures: [] });
    expect(events.find((event) => event.type === 'reflected')).toMatchObject({ proposals: 7, invalid: 2, ignoredTags: [expect.stringMatching(/^itemTags\.0: tag: /)] });
    // The valid tag counted; the bad one fell back to the outcome (a pass: helpful, not harmful).
    expect((await library.require('lesson', 'also-seen')).artifact).toMatchObject({ uses: 1, successes: 1, helpful: 0, harmful: 1 });
    expect((await library.require('lesson', 'seen-before')).artifact).toMatchObject({ uses: 1, successes: 1, helpful: 1, harmful: 0 });
    await library.store.close();
  });

  it('reads a lone proposal object as a list of one and free text of another type as empty', async () => {
    const { library, index } = memoryLibrary();
    const model = learner([{ object: { rootCause: { why: 'nested' }, keyInsight: 42, proposals: lessonProposal('one-alone', 'A lone proposal still counts.'), itemTags: 'none' } }]);
    const { result } = await learnOnce({
      tasks: tasks({ id: 't1', prompt: 'Anything.', verify: { type: 'exact', expected: 'y' } }),
      library,
      index,
      agent: answeringModel(() => 'x'),
      learner: model,
      config: config({ gate: { holdoutSize: 0 } }),
    });
    expect(result.committed).toBe(1);
    expect((await library.require('lesson', 'one-alone')).version.evaluation).toMatchObject({ findings: { rootCause: '', keyInsight: '' } });
    await library.store.close();
  });
});

describe('a change that changes nothing', () => {
  it('is not a version and not a commit: an update or an add equal to the head, and a fold that adds nothing, are reported unchanged', async () => {
    const { library, index } = memoryLibrary();
    const original = await library.add('lesson', 'quote-csv', { title: 'quotes', text: 'Quote CSV fields that contain commas.', type: 'strategy', when: '', tags: [] });
    const same = { title: 'quotes', text: 'Quote CSV fields that contain commas.', type: 'strategy', when: '', tags: [] };
    const model = learner([
      {
        object: {
          ...noProposals,
          proposals: [
            { op: 'update', kind: 'lesson', name: 'quote-csv', content: same, rationale: 'restate it' },
            { op: 'add', kind: 'lesson', name: 'quote-csv', content: same, rationale: 'add it again' },
            // A near-duplicate that curation folds into quote-csv, whose text it already holds.
            lessonProposal('quote-csv-fields', 'Quote CSV fields that contain commas.', { content: { ...same, title: 'quote fields' } }),
          ],
        },
      },
    ]);
    const { result, events } = await learnOnce({
      tasks: tasks({ id: 't1', prompt: 'How many fields has the CSV row a,b?', verify: { type: 'exact', expected: '2' } }),
      library,
      index,
      agent: answeringModel(() => '2'),
      learner: model,
      config: config({ gate: { holdoutSize: 0 }, curation: { mergeFallback: 0.5 } }),
    });
    model.verify();
    expect(await library.history('lesson', 'quote-csv')).toHaveLength(1);
    expect((await library.require('lesson', 'quote-csv')).version.id).toBe(original.version.id);
    expect(await library.get('lesson', 'quote-csv-fields')).toBeUndefined();
    expect(events.filter((event) => event.type === 'proposal-committed')).toEqual([]);
    const unchanged = events.filter((event) => event.type === 'proposal-unchanged');
    expect(unchanged.map((event) => (event.type === 'proposal-unchanged' ? event.reason : ''))).toEqual([
      'the content equals the head of lesson quote-csv (v1)',
      'the content equals the head of lesson quote-csv (v1)',
      'folding the proposal into lesson quote-csv adds nothing to v1',
    ]);
    expect(result).toMatchObject({ committed: 0, rejected: 0, unchanged: 3 });
    expect(result.curves[0]).toMatchObject({ committed: 0, unchanged: 3, newArtifacts: 0 });
    expect((await library.require('lesson', 'quote-csv')).content as LessonContent).toEqual(same);
    await library.store.close();
  });
});
