import { describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import { createLlmDiffOperator, createLlmRewriteOperator } from '../../../src/evolve/operators/llm-operators.ts';
import { loadProblem } from '../../../src/evolve/problem/index.ts';
import { createAgentEvaluator } from '../../../src/learn/agent-problem/agent-evaluator.ts';
import { gateAgentWinner } from '../../../src/learn/agent-problem/agent-gate.ts';
import { readAgentProblemConfig } from '../../../src/learn/agent-problem/agent-problem-config.ts';
import { Library } from '../../../src/library/library.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';
import { createScriptedModel } from '../../../src/testing/scripted-model.ts';
import { formattingAgentReply, reflectiveProposerReply } from './scripted-agents.ts';

const exampleDirectory = new URL('../../../examples/agent-prompt', import.meta.url).pathname;

/**
 * examples/agent-prompt end to end with scripted models: the agent writes answers as its system
 * prompt tells it, the proposer adds the instruction the failing trajectories call for, the gate
 * checks the best prompt on the held-out tasks the search never ran, and the winner becomes a
 * library version with its run and program, which rolls back like any learned change.
 */
describe('the agent as an evolve problem (examples/agent-prompt)', () => {
  it('evolves a system prompt that raises held-out success, commits it as a library version with lineage, and rolls back', async () => {
    const problem = await loadProblem(exampleDirectory);
    const config = readAgentProblemConfig(problem);
    const allTasks = [...config.trainTasks, ...config.holdoutTasks];
    const iterations = 6;
    const agent = createScriptedModel({ spec: 'scripted:agent', replies: Array.from({ length: 200 }, () => formattingAgentReply(allTasks)) });
    const proposer = createScriptedModel({ spec: 'scripted:proposer', replies: Array.from({ length: iterations }, () => reflectiveProposerReply) });
    const store = createMemoryStore();
    const handle = evolve({
      problem,
      store,
      models: [proposer],
      operators: [createLlmDiffOperator(), createLlmRewriteOperator()],
      evaluatorFactory: (loaded) => createAgentEvaluator({ problem: loaded, model: agent, config }),
      iterations,
      seed: 7,
      // One candidate in flight: each proposal reads the result of the one before.
      concurrency: { window: 1 },
    });
    const summary = await handle.result;
    expect(summary.status).toBe('finished');
    proposer.verify();
    expect(summary.initialScore).toBe(0);
    expect(summary.bestScore).toBe(1);
    // The search ran the training tasks only: no held-out prompt ever reached the agent.
    const searchCalls = agent.calls.length;
    expect(searchCalls).toBe(summary.evaluations * config.trainTasks.length);
    const holdoutPrompts = config.holdoutTasks.map((task) => task.prompt);
    expect(agent.calls.some((call) => holdoutPrompts.some((prompt) => call.lastUserText.includes(prompt)))).toBe(false);

    // The proposer saw the parent's failing trajectories in the shape the evaluator stores.
    const initialRecord = (await store.listPrograms(summary.runId)).find((program) => program.parentId === null)!;
    expect(initialRecord.metrics).toMatchObject({ success: 0, passed: 0, tasks: config.trainTasks.length, tokens: 620 * config.trainTasks.length });
    const failing = initialRecord.artifacts['failing_trajectories'] as Array<Record<string, unknown>>;
    expect(failing).toHaveLength(4);
    expect(failing[0]).toMatchObject({ task: 'legs-spider', answer: 'The answer is 8.', verdict: 'fail', reason: 'the answer does not match the expected text' });
    expect(proposer.calls[0]!.lastUserText).toContain('"answer":"The answer is 8."');

    const library = new Library({ store });
    const gate = await gateAgentWinner({ problem, config, library, model: agent, runId: summary.runId, bestProgramId: summary.bestProgramId });
    expect(agent.calls.length).toBe(searchCalls + 2 * config.holdoutTasks.length);
    expect(gate.decision).toBe('committed');
    expect(gate.heldOut.initial.success).toBe(0);
    expect(gate.heldOut.winner?.success).toBe(1);
    expect(gate.committed).toEqual([{ kind: 'prompt', name: 'agent-prompt-system', version: 2 }]);

    const entry = await library.require('prompt', 'agent-prompt-system');
    expect(entry.content.text).toContain('only the answer itself');
    expect(entry.content.text).toContain('YYYY-MM-DD');
    expect(entry.content.text).not.toContain('EVOLVE-BLOCK');
    expect(entry.version.evaluation).toMatchObject({
      origin: 'evolve-agent-problem',
      runId: summary.runId,
      programId: summary.bestProgramId,
      heldOut: { initial: { success: 0 }, winner: { success: 1 } },
    });
    const history = await library.history('prompt', 'agent-prompt-system');
    expect(history.map((version) => version.number)).toEqual([1, 2]);
    expect(history[1]!.parentIds).toEqual([history[0]!.id]);

    const rolledBack = await library.rollback('prompt', 'agent-prompt-system', 1);
    expect(rolledBack.content.text).toContain("Answer the user's question.");
    expect(rolledBack.content.text).not.toContain('only the answer itself');
  });

  it('does not commit when the best program does not beat the initial one on the held-out split', async () => {
    const problem = await loadProblem(exampleDirectory);
    const config = readAgentProblemConfig(problem);
    // A run of no iterations keeps the initial program as its best: the gate runs both on the held-out tasks and finds no gain.
    const agent = createScriptedModel({ spec: 'scripted:agent', replies: Array.from({ length: config.trainTasks.length + 2 * config.holdoutTasks.length }, () => formattingAgentReply([...config.trainTasks, ...config.holdoutTasks])) });
    const store = createMemoryStore();
    const proposer = createScriptedModel({ spec: 'scripted:proposer', replies: [] });
    const summary = await evolve({ problem, store, models: [proposer], operators: [createLlmDiffOperator()], evaluatorFactory: (loaded) => createAgentEvaluator({ problem: loaded, model: agent, config }), iterations: 0, seed: 1 }).result;
    const library = new Library({ store });
    const gate = await gateAgentWinner({ problem, config, library, model: agent, runId: summary.runId, bestProgramId: summary.bestProgramId });
    agent.verify();
    expect(gate.decision).toBe('rejected');
    expect(gate.reason).toContain('does not beat the initial one');
    expect(gate.committed).toEqual([]);
    expect(await library.get('prompt', 'agent-prompt-system')).toBeUndefined();
  });

  it("counts the agent's calls against the run's budget, and an evaluation the budget cut short is a budget failure, not a score", async () => {
    const problem = await loadProblem(exampleDirectory);
    const config = readAgentProblemConfig(problem);
    // Each agent call costs $0.6 (600 input tokens at $1,000 per million): an evaluation of 8 tasks costs $4.8.
    const agent = createScriptedModel({
      spec: 'scripted:agent',
      pricing: { inputPerMillion: 1000, outputPerMillion: 0 },
      replies: Array.from({ length: 12 }, () => formattingAgentReply(config.trainTasks)),
    });
    const proposer = createScriptedModel({ spec: 'scripted:proposer', replies: [reflectiveProposerReply] });
    const store = createMemoryStore();
    const summary = await evolve({
      problem,
      store,
      models: [proposer],
      operators: [createLlmDiffOperator()],
      evaluatorFactory: (loaded, run) => createAgentEvaluator({ problem: loaded, model: agent, config, meter: run.meter }),
      iterations: 5,
      seed: 7,
      concurrency: { window: 1 },
      budget: { usd: 7 },
    }).result;
    // The initial evaluation spent $4.8; the child's reached $7.2 after four tasks and the fifth call was refused.
    agent.verify();
    proposer.verify();
    expect(summary.stopReason).toBe('budget-usd');
    expect(summary.usage.costUsd).toBeCloseTo(7.2, 6);
    const programs = await store.listPrograms(summary.runId);
    expect(programs.map((program) => program.failure?.kind ?? program.score)).toEqual([0, 'budget']);
    expect(programs[1]!.failure?.message).toMatch(/the budget ran out while the agent acted on task/);
  });
});
