import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.ts';
import { Random } from '../../../src/core/random.ts';
import {
  createLlmCrossoverOperator,
  createLlmDiffOperator,
  createLlmRewriteOperator,
  createRepairOperator,
} from '../../../src/evolve/operators/llm-operators.ts';
import { ProposalRejectedError } from '../../../src/evolve/operators/proposal-error.ts';
import type { OperatorContext, Problem, ProgramSnapshot } from '../../../src/evolve/types.ts';
import { createScriptedModel } from '../../../src/testing/scripted-model.ts';

const program = [
  'import math',
  '',
  '# EVOLVE-BLOCK-START',
  'def solve(n):',
  '    total = 0',
  '    for i in range(n):',
  '        total += i',
  '    return total',
  '# EVOLVE-BLOCK-END',
  '',
  'print(solve(10))',
  '',
].join('\n');

const problem: Problem = {
  directory: '/nowhere',
  name: 'sum',
  files: { 'main.py': program },
  evolvableFiles: ['main.py'],
  entryFile: 'main.py',
  evaluator: { kind: 'command', command: ['python3', 'e.py'], timeoutMs: 1000, memoryLimitMb: 100, maxOutputBytes: 1000, cascade: [] },
  objective: 'maximize',
  features: [],
  templates: {},
  description: 'Compute the sum of 0..n-1 fast.',
  settings: {},
};

function snapshot(overrides: Partial<ProgramSnapshot> = {}): ProgramSnapshot {
  return {
    id: 'prg_parent',
    files: { 'main.py': program },
    score: 0.42,
    metrics: { runtime_ms: 12.5 },
    artifacts: { stderr: 'DeprecationWarning: old api' },
    failure: null,
    operator: 'seed',
    generation: 3,
    ...overrides,
  };
}

function context(model: OperatorContext['model'], extra: Partial<OperatorContext> = {}): OperatorContext {
  return {
    problem,
    parent: snapshot(),
    inspirations: [snapshot({ id: 'prg_other', score: 0.9, files: { 'main.py': program.replace('total = 0', 'total = 0  # faster') } })],
    insights: ['Closed forms beat loops.'],
    previousFailure: 'SEARCH/REPLACE block 1 rejected: the SEARCH text was not found',
    random: new Random(1),
    ...(model === undefined ? {} : { model }),
    ...extra,
  };
}

const diffReply = `Use the closed form.

<<<<<<< SEARCH
    total = 0
    for i in range(n):
        total += i
    return total
=======
    return n * (n - 1) // 2
>>>>>>> REPLACE
`;

describe('llm-diff', () => {
  it('sends a prompt with the parent, metrics, artifacts, inspirations, insights and previous failure, and applies the diff', async () => {
    const model = createScriptedModel({ replies: [{ text: diffReply, usage: { inputTokens: 300, outputTokens: 40 } }] });
    const proposal = await createLlmDiffOperator().propose(context(model));
    model.verify();
    expect(proposal.files['main.py']).toContain('def solve(n):\n    return n * (n - 1) // 2\n# EVOLVE-BLOCK-END');
    expect(proposal.files['main.py']).toContain('print(solve(10))');
    expect(proposal.operator).toBe('llm-diff');
    expect(proposal.model).toBe(model.spec);
    expect(proposal.usage.inputTokens).toBe(300);
    expect(proposal.usage.outputTokens).toBe(40);
    expect(proposal.reply).toBe(diffReply);
    expect(proposal.diff).toContain('+    return n * (n - 1) // 2');
    const call = model.calls[0]!;
    expect(call.system).toContain('Compute the sum of 0..n-1 fast.');
    expect(call.system).toContain('EVOLVE-BLOCK-START');
    expect(call.lastUserText).toContain('score 0.42');
    expect(call.lastUserText).toContain('- runtime_ms: 12.5');
    expect(call.lastUserText).toContain('DeprecationWarning: old api');
    expect(call.lastUserText).toContain('Program 1 (score 0.9)');
    expect(call.lastUserText).toContain('- Closed forms beat loops.');
    expect(call.lastUserText).toContain('previous attempt on this program was rejected');
    expect(call.lastUserText).toContain('<<<<<<< SEARCH');
    expect(proposal.prompt).toContain(call.lastUserText.trim().slice(0, 40));
  });

  it('rejects a reply whose SEARCH does not match, keeping the reason, reply and usage', async () => {
    const model = createScriptedModel({ replies: ['<<<<<<< SEARCH\n    total = 1\n=======\n    total = 2\n>>>>>>> REPLACE\n'] });
    const error = await createLlmDiffOperator()
      .propose(context(model))
      .catch((caught: unknown) => caught);
    model.verify();
    expect(error).toBeInstanceOf(ProposalRejectedError);
    const rejected = error as ProposalRejectedError;
    expect(rejected.message).toMatch(/block 1 rejected: the SEARCH text \(first line: "total = 1"\) was not found/);
    expect(rejected.reply).toContain('total = 2');
    expect(rejected.operator).toBe('llm-diff');
    expect(rejected.usage.outputTokens).toBeGreaterThan(0);
  });

  it('needs a model', async () => {
    await expect(createLlmDiffOperator().propose(context(undefined))).rejects.toBeInstanceOf(UsageError);
  });

  it('uses a per-problem template override', async () => {
    const model = createScriptedModel({ replies: [diffReply] });
    const custom = { ...problem, templates: { diff: 'CUSTOM {{score}}\n{{program}}\n{{format}}' } };
    await createLlmDiffOperator().propose(context(model, { problem: custom }));
    model.verify();
    expect(model.calls[0]!.lastUserText.startsWith('CUSTOM 0.42')).toBe(true);
    expect(model.calls[0]!.lastUserText).not.toContain('Closed forms');
  });
});

describe('llm-rewrite and llm-crossover', () => {
  const rewriteReply = 'Here it is:\n```python\ndef solve(n):\n    return n * (n - 1) // 2\n```\n';

  it('replaces the block interior with the fenced code', async () => {
    const model = createScriptedModel({ replies: [rewriteReply] });
    const proposal = await createLlmRewriteOperator().propose(context(model));
    model.verify();
    expect(proposal.files['main.py']).toBe(
      program.replace('    total = 0\n    for i in range(n):\n        total += i\n    return total\n', '    return n * (n - 1) // 2\n'),
    );
    expect(model.calls[0]!.lastUserText).toContain('exactly 1 fenced code block');
  });

  it('takes the interior when the model quotes the markers or the whole file', async () => {
    const whole = '```python\nimport math\n\n# EVOLVE-BLOCK-START\ndef solve(n):\n    return sum(range(n))\n# EVOLVE-BLOCK-END\n\nprint(solve(10))\n```';
    const model = createScriptedModel({ replies: [whole] });
    const proposal = await createLlmRewriteOperator().propose(context(model));
    expect(proposal.files['main.py']).toContain('# EVOLVE-BLOCK-START\ndef solve(n):\n    return sum(range(n))\n# EVOLVE-BLOCK-END\n');
  });

  it('takes a bare code reply with no fence, and refuses prose', async () => {
    const bare = createScriptedModel({ replies: ['def solve(n):\n    return n * (n - 1) // 2'] });
    const proposal = await createLlmRewriteOperator().propose(context(bare));
    expect(proposal.files['main.py']).toContain('# EVOLVE-BLOCK-START\ndef solve(n):\n    return n * (n - 1) // 2\n# EVOLVE-BLOCK-END\n');
    const prose = createScriptedModel({ replies: ['Sorry, I cannot improve this program any further'] });
    await expect(createLlmRewriteOperator().propose(context(prose))).rejects.toThrow(/no fenced code block/);
  });

  it('applies SEARCH/REPLACE blocks given in answer to a rewrite request', async () => {
    const reply = '<<<<<<< SEARCH\n        total += i\n=======\n        total += 2 * i\n>>>>>>> REPLACE\n';
    const proposal = await createLlmRewriteOperator().propose(context(createScriptedModel({ replies: [reply] })));
    expect(proposal.files['main.py']).toBe(program.replace('total += i', 'total += 2 * i'));
  });

  it('takes the longest of several fences for a one-block program', async () => {
    const reply = 'Usage:\n```python\nsolve(3)\n```\nThe program:\n```python\ndef solve(n):\n    return n * (n - 1) // 2\n```\n';
    const proposal = await createLlmRewriteOperator().propose(context(createScriptedModel({ replies: [reply] })));
    expect(proposal.files['main.py']).toContain('# EVOLVE-BLOCK-START\ndef solve(n):\n    return n * (n - 1) // 2\n# EVOLVE-BLOCK-END\n');
  });

  it('rejects a wrong number of code blocks and an unchanged rewrite', async () => {
    const twoBlocks = `${program}\n# EVOLVE-BLOCK-START\nlimit = 3\n# EVOLVE-BLOCK-END\n`;
    const twoBlockProblem: Problem = { ...problem, files: { 'main.py': twoBlocks } };
    const three = createScriptedModel({ replies: ['```\na = 1\n```\n```\nb = 2\n```\n```\nc = 3\n```'] });
    await expect(
      createLlmRewriteOperator().propose(context(three, { problem: twoBlockProblem, parent: snapshot({ files: { 'main.py': twoBlocks } }) })),
    ).rejects.toThrow(/3 code block\(s\) but the program has 2/);
    const same = createScriptedModel({ replies: ['```\ndef solve(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n```'] });
    await expect(createLlmRewriteOperator().propose(context(same))).rejects.toThrow(/identical/);
  });

  it('crossover shows both parents and needs the second one', async () => {
    const model = createScriptedModel({ replies: [rewriteReply] });
    const other = snapshot({ id: 'prg_b', score: 0.7, files: { 'main.py': program.replace('total += i', 'total = total + i') } });
    const proposal = await createLlmCrossoverOperator().propose(context(model, { otherParent: other }));
    model.verify();
    expect(proposal.operator).toBe('llm-crossover');
    expect(model.calls[0]!.lastUserText).toContain('Program B (score 0.7)');
    expect(model.calls[0]!.lastUserText).toContain('total = total + i');
    await expect(createLlmCrossoverOperator().propose(context(createScriptedModel({ replies: [] })))).rejects.toThrow(/second parent/);
  });
});

describe('repair', () => {
  it('shows the failure and its artifacts, and applies the fix as a diff', async () => {
    const broken = program.replace('        total += i', '        total += undefined_name');
    const failed = snapshot({
      files: { 'main.py': broken },
      score: null,
      failure: { kind: 'exit-code', message: 'the evaluator exited with code 1' },
      artifacts: { stderr: "NameError: name 'undefined_name' is not defined" },
    });
    const model = createScriptedModel({
      replies: ['<<<<<<< SEARCH\n        total += undefined_name\n=======\n        total += i\n>>>>>>> REPLACE'],
    });
    const proposal = await createRepairOperator().propose(context(model, { parent: failed }));
    model.verify();
    expect(proposal.files['main.py']).toBe(program);
    expect(proposal.operator).toBe('repair');
    expect(model.calls[0]!.lastUserText).toContain('exit-code: the evaluator exited with code 1');
    expect(model.calls[0]!.lastUserText).toContain("NameError: name 'undefined_name'");
  });
});
