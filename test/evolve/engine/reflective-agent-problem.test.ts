import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import { createLlmDiffOperator } from '../../../src/evolve/operators/llm-operators.ts';
import { createReflectiveOperator } from '../../../src/evolve/operators/reflective-operator.ts';
import { loadProblem } from '../../../src/evolve/problem/index.ts';
import { createAgentEvaluator } from '../../../src/learn/agent-problem/agent-evaluator.ts';
import { readAgentProblemConfig } from '../../../src/learn/agent-problem/agent-problem-config.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';
import { createScriptedModel, type ScriptedReplyValue, type ScriptedRequest } from '../../../src/testing/scripted-model.ts';
import { formattingAgentReply, formattingRules, ruleForAnswer } from '../../learn/agent-problem/scripted-agents.ts';

/**
 * The engine's reflective mutation and Pareto front on examples/agent-prompt, scored by the real
 * agent evaluator (a scripted agent that writes answers as its system prompt says): the reflective
 * prompt carries the agent's failing trajectories as the evaluator stored them, and a proposer that
 * adds the rule each failing answer shows is missing takes the prompt to full success.
 */
const exampleDirectory = new URL('../../../examples/agent-prompt', import.meta.url).pathname;

/** Reads the failed cases of a reflective prompt (`answer: ...` lines) and adds every rule they call for. */
function reflectingProposer(request: ScriptedRequest): ScriptedReplyValue {
  const asked = request.lastUserText;
  const interior = /<!-- EVOLVE-BLOCK-START -->\n([\s\S]*?)\n<!-- EVOLVE-BLOCK-END -->/.exec(asked)?.[1] ?? '';
  const last = interior.split('\n').at(-1) ?? '';
  if (!asked.includes('# Cases this program failed')) return `Nothing failed; tighten the wording.\n<<<<<<< SEARCH\n${last}\n=======\n${last}\nBe brief.\n>>>>>>> REPLACE`;
  const answers = [...asked.matchAll(/^answer: (.*)$/gm)].map((match) => match[1]!);
  const rules = [...new Set(answers.map(ruleForAnswer).filter((rule) => rule !== undefined))].filter((rule) => !interior.includes(formattingRules[rule].phrase));
  const added = rules.map((rule) => formattingRules[rule].instruction);
  return `The failing answers break the verifiers' formats: ${rules.join(', ')}.\n<<<<<<< SEARCH\n${last}\n=======\n${[last, ...added].join('\n')}\n>>>>>>> REPLACE`;
}

describe('reflective mutation on the agent problem (examples/agent-prompt)', () => {
  it('shows the proposer the failing trajectories the agent evaluator stored and reaches full success, with the front reported', async () => {
    const loaded = await loadProblem(exampleDirectory);
    const problem = {
      ...loaded,
      settings: { ...loaded.settings, operators: { 'llm-diff': 0 }, repair: false, objectives: { success: 'maximize', cost: 'minimize' } },
    };
    const config = readAgentProblemConfig(problem);
    const agent = createScriptedModel({ spec: 'scripted:agent', replies: Array.from({ length: 200 }, () => formattingAgentReply([...config.trainTasks, ...config.holdoutTasks])) });
    const iterations = 3;
    const proposer = createScriptedModel({ spec: 'scripted:proposer', replies: Array.from({ length: iterations }, () => reflectingProposer) });
    const store = createMemoryStore();
    try {
      const summary = await evolve({
        problem,
        store,
        models: [proposer],
        operators: [createReflectiveOperator(), createLlmDiffOperator()],
        evaluatorFactory: (given) => createAgentEvaluator({ problem: given, model: agent, config }),
        iterations,
        seed: 3,
        concurrency: { window: 1, evaluations: 1 },
      }).result;
      proposer.verify();
      expect(summary.initialScore).toBe(0);
      expect(summary.bestScore).toBe(1);
      const programs = await store.listPrograms(summary.runId);
      const first = programs.find((program) => program.parentId !== null)!;
      expect(first.operator).toBe('llm-reflect');
      // The stored trajectories of the initial prompt, field by field, under their own heading.
      const failing = programs[0]!.artifacts['failing_trajectories'] as Array<{ task: string; answer: string; reason: string }>;
      expect(first.prompt).toContain(`## Failed case 1\ntask: ${failing[0]!.task}`);
      expect(first.prompt).toContain(`answer: ${failing[0]!.answer}`);
      expect(first.prompt).toContain(`reason: ${failing[0]!.reason}`);
      expect(summary.operators['llm-reflect']!.improved).toBeGreaterThanOrEqual(1);
      expect(summary.front?.members[0]).toMatchObject({ programId: summary.bestProgramId, objectives: { success: 1 } });
    } finally {
      await store.close();
    }
  });
});
