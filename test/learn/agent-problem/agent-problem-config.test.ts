import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.ts';
import { createEvaluator } from '../../../src/evolve/evaluate/create-evaluator.ts';
import { loadProblem } from '../../../src/evolve/problem/index.ts';
import { createAgentEvaluator } from '../../../src/learn/agent-problem/agent-evaluator.ts';
import { readAgentProblemConfig } from '../../../src/learn/agent-problem/agent-problem-config.ts';
import { createScriptedModel } from '../../../src/testing/scripted-model.ts';
import { temporaryDirectory } from '../../library/support.ts';

const skill = (description: string, body: string): string => `---\nname: answer-format\ndescription: ${description}\n---\n\n<!-- EVOLVE-BLOCK-START -->\n${body}\n<!-- EVOLVE-BLOCK-END -->\n`;
const prompt = '<!-- EVOLVE-BLOCK-START -->\nAnswer briefly.\n<!-- EVOLVE-BLOCK-END -->\n';
const task = (id: string, split: 'train' | 'holdout', verify = true): string =>
  JSON.stringify({ id, prompt: `Question ${id}?`, split, ...(verify ? { verify: { type: 'exact', expected: 'yes' } } : {}) });

describe('agent problems: configuration and the evaluator', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  beforeEach(() => {
    directory = temporaryDirectory('lamarck-agent-problem-');
  });
  afterEach(() => directory.remove());

  function write(files: Record<string, string | object>): string {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(directory.path, path)), { recursive: true });
      writeFileSync(join(directory.path, path), typeof content === 'string' ? content : JSON.stringify(content));
    }
    return directory.path;
  }

  const valid = {
    'prompt.md': prompt,
    'skills/answer-format/SKILL.md': skill('How to format answers', 'Say yes.'),
    'tasks.jsonl': [task('t1', 'train'), task('t2', 'train'), task('h1', 'holdout')].join('\n'),
  };
  const agentSection = { tasks: 'tasks.jsonl', systemPrompt: { file: 'prompt.md' }, skills: ['skills/answer-format/SKILL.md'] };

  it('names the field of every mistake in the agent section', async () => {
    const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
      [{ tasks: 'tasks.jsonl' }, {}, /agent: give the part of the agent to evolve/],
      [{ ...agentSection, systemPrompt: { file: 'other.md' } }, {}, /agent.systemPrompt.file: other.md is not one of the program files/],
      [{ ...agentSection, costWeight: -1 }, {}, /agent.costWeight: expected a non-negative number/],
      [{ ...agentSection, tasks: 'missing.jsonl' }, {}, /agent.tasks: cannot read missing.jsonl/],
      [{ ...agentSection, extra: true }, {}, /agent.extra: unknown key/],
      [agentSection, { 'tasks.jsonl': task('t1', 'train') }, /agent.tasks: tasks.jsonl has no "holdout" tasks: the gate needs them/],
      [agentSection, { 'tasks.jsonl': task('h1', 'holdout') }, /agent.tasks: tasks.jsonl has no "train" tasks/],
      [agentSection, { 'tasks.jsonl': [task('t1', 'train', false), task('h1', 'holdout')].join('\n') }, /agent.tasks: task t1 in tasks.jsonl has no "verify"/],
      [agentSection, { 'tasks.jsonl': '{"id": "t1"}' }, /agent.tasks: .*prompt/],
      [agentSection, { 'skills/answer-format/SKILL.md': 'no front matter' }, /agent.skills.0: skills\/answer-format\/SKILL.md is not a valid SKILL.md/],
    ];
    for (const [section, overrides, pattern] of cases) {
      const root = write({ ...valid, ...overrides, 'lamarck.json': { files: ['prompt.md', 'skills/answer-format/SKILL.md'], agent: section } });
      const problem = await loadProblem(root);
      let caught: unknown;
      try {
        readAgentProblemConfig(problem);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(section)).toBeInstanceOf(ConfigError);
      expect((caught as Error).message).toMatch(pattern);
    }
  });

  it('gives the agent the prompt and skills without their markers, and reports a broken candidate as a failed evaluation', async () => {
    const root = write({ ...valid, 'lamarck.json': { files: ['prompt.md', 'skills/answer-format/SKILL.md'], agent: agentSection } });
    const problem = await loadProblem(root);
    expect(problem.evaluator.kind).toBe('agent');
    expect(() => createEvaluator(problem)).toThrow(/an agent problem is scored by the agent itself/);
    // The agent activates the skill, then answers with what its body says.
    const agent = createScriptedModel({
      spec: 'scripted:agent',
      replies: [
        { toolCalls: [{ name: 'activate_skill', input: { name: 'answer-format' } }] },
        (request) => ({ toolCalls: [{ name: 'final_answer', input: { answer: request.lastUserText.includes('Say yes.') ? 'yes' : 'no' } }] }),
        { toolCalls: [{ name: 'final_answer', input: { answer: 'no' } }] },
      ],
    });
    const evaluator = createAgentEvaluator({ problem, model: agent });
    const result = await evaluator.evaluate(problem.files, {});
    agent.verify();
    expect(agent.calls[0]!.system).toContain('Answer briefly.');
    expect(agent.calls[0]!.system).toContain('answer-format: How to format answers');
    expect(agent.calls[0]!.system).not.toContain('EVOLVE-BLOCK');
    expect(result.ok).toBe(true);
    expect(result.metrics).toMatchObject({ success: 0.5, passed: 1, tasks: 2 });
    expect(result.artifacts['failing_trajectories']).toEqual([
      { task: 't2', prompt: 'Question t2?', answer: 'no', transcript: 'final answer: no', verdict: 'fail', reason: 'the answer does not match the expected text' },
    ]);

    const broken = await evaluator.evaluate({ ...problem.files, 'skills/answer-format/SKILL.md': 'front matter gone' }, {});
    expect(broken.ok).toBe(false);
    expect(broken.failure?.message).toMatch(/skills\/answer-format\/SKILL.md is not a valid SKILL.md/);
    const renamed = await evaluator.evaluate({ ...problem.files, 'skills/answer-format/SKILL.md': skill('x', 'y').replace('answer-format', 'other-name') }, {});
    expect(renamed.failure?.message).toMatch(/renamed its skill to other-name/);
  });
});
