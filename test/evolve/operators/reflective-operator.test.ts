import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/core/random.ts';
import { defaultReflection, failingCasesOf } from '../../../src/evolve/operators/reflective-cases.ts';
import { createReflectiveOperator } from '../../../src/evolve/operators/reflective-operator.ts';
import { ProposalRejectedError } from '../../../src/evolve/operators/proposal-error.ts';
import type { OperatorContext, Problem } from '../../../src/evolve/types.ts';
import { createScriptedModel } from '../../../src/testing/scripted-model.ts';

/** The reflective operator on its own: what its prompt shows of the failing cases, and how its reply is applied. */
const prompt = ['# EVOLVE-BLOCK-START', 'You answer questions about distances.', '# EVOLVE-BLOCK-END', ''].join('\n');

const problem: Problem = {
  directory: '/nowhere',
  name: 'agent-prompt',
  files: { 'prompt.md': prompt },
  evolvableFiles: ['prompt.md'],
  entryFile: 'prompt.md',
  evaluator: { kind: 'command', command: ['true'], timeoutMs: 1000, memoryLimitMb: 100, maxOutputBytes: 1000, cascade: [] },
  objective: 'maximize',
  features: [],
  templates: {},
  description: 'A system prompt for a question-answering agent.',
  settings: {},
};

const trajectories = [
  { task: 'bridge', prompt: 'How long is the bridge?', answer: '1200 ft', transcript: 'step 1: looked up the bridge; step 2: answered in feet', verdict: 'fail', reason: 'expected the length in metres' },
  { task: 'tower', prompt: 'How tall is the tower?', answer: null, transcript: 'step 1: gave up', verdict: 'error', reason: 'no answer' },
];

function context(model: OperatorContext['model'], artifacts: Record<string, unknown>): OperatorContext {
  const failingCases = failingCasesOf(artifacts as never, defaultReflection);
  return {
    problem,
    parent: { id: 'prg_parent', files: { 'prompt.md': prompt }, score: 0, metrics: { success: 0 }, artifacts: { evaluation: '0 of 2 passed' }, failure: null, operator: 'initial', generation: 0 },
    inspirations: [],
    insights: [],
    random: new Random(1),
    ...(model ? { model } : {}),
    ...(failingCases ? { failingCases } : {}),
  };
}

const fix = '<<<<<<< SEARCH\nYou answer questions about distances.\n=======\nYou answer questions about distances.\nGive every length in metres.\n>>>>>>> REPLACE';

describe('reflective mutation (llm-reflect)', () => {
  it('shows the model every failing trajectory, with its reason, and applies the SEARCH/REPLACE it proposes', async () => {
    const model = createScriptedModel({ replies: [`The bridge answer used feet where metres were expected; the prompt never says which unit.\n${fix}`] });
    const proposal = await createReflectiveOperator().propose(context(model, { failing_trajectories: trajectories, evaluation: '0 of 2 passed' }));
    model.verify();
    const asked = model.calls[0]!.lastUserText;
    expect(asked).toContain('# Cases this program failed');
    expect(asked).toContain('## Failed case 1\ntask: bridge');
    expect(asked).toContain('transcript: step 1: looked up the bridge; step 2: answered in feet');
    expect(asked).toContain('reason: expected the length in metres');
    expect(asked).toContain('## Failed case 2\ntask: tower');
    expect(asked).toContain('answer: null');
    // The other feedback is still shown; the cases are not repeated there as raw JSON.
    expect(asked).toContain('## evaluation\n0 of 2 passed');
    expect(asked).not.toContain('"transcript"');
    expect(asked).toContain('Reflect before you edit');
    expect(proposal.operator).toBe('llm-reflect');
    expect(proposal.files['prompt.md']).toContain('Give every length in metres.');
  });

  it('bounds what it shows: the first cases only, each cut in the middle', () => {
    const many = Array.from({ length: 9 }, (_, index) => ({ task: `t${index}`, transcript: `${'x'.repeat(5000)}END${index}` }));
    const cases = failingCasesOf({ failures: many }, { ...defaultReflection, maxCases: 3, caseChars: 400 })!;
    expect(cases.artifact).toBe('failures');
    expect(cases.cases).toHaveLength(3);
    expect(cases.cases.every((text) => text.length <= 400)).toBe(true);
    expect(cases.cases[2]).toMatch(/^task: t2/);
    expect(cases.cases[2]).toMatch(/END2$/);
  });

  it('finds no cases in empty or absent feedback, and reads a plain text as one case', () => {
    expect(failingCasesOf({}, defaultReflection)).toBeUndefined();
    expect(failingCasesOf({ failing_trajectories: [], failures: '  ', stderr: 'Traceback' }, defaultReflection)).toBeUndefined();
    expect(failingCasesOf({ failing_trajectories: [null, {}] }, defaultReflection)).toBeUndefined();
    expect(failingCasesOf({ failures: 'test_units failed: 3 ft != 0.91 m' }, defaultReflection)).toEqual({ artifact: 'failures', cases: ['test_units failed: 3 ft != 0.91 m'] });
  });

  it('declares that it needs feedback, and refuses a parent without failing cases before calling the model', async () => {
    const operator = createReflectiveOperator();
    expect(operator.requires).toEqual({ feedback: true });
    const model = createScriptedModel({ replies: [] });
    await expect(operator.propose(context(model, {}))).rejects.toMatchObject({ code: 'operator-not-applicable' });
    model.verify();
  });

  it('rejects a reply whose edit does not apply, keeping the reply and its cost', async () => {
    const model = createScriptedModel({ replies: ['<<<<<<< SEARCH\nnot in the prompt\n=======\nanything\n>>>>>>> REPLACE'] });
    const failure = await createReflectiveOperator()
      .propose(context(model, { failing_trajectories: trajectories }))
      .catch((error: unknown) => error);
    model.verify();
    expect(failure).toBeInstanceOf(ProposalRejectedError);
    expect((failure as ProposalRejectedError).operator).toBe('llm-reflect');
    expect((failure as ProposalRejectedError).prompt).toContain('reason: expected the length in metres');
  });
});
