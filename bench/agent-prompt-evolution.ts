/**
 * The loops bench's agent-problem figure: evaluations to reach a target training success on
 * examples/agent-prompt, with the scripted agent that writes answers as its prompt tells it and the
 * proposer that adds the instruction its parent's failing trajectories call for
 * (test/learn/agent-problem/scripted-agents.ts). The example's own settings and the standard
 * operators; several seeds; then the gate on the held-out tasks. An agent that can follow fewer
 * rules at once is run the same way, to show the figure depends on the agent's ability.
 */
import { evolve } from '../src/evolve/evolve.ts';
import { loadProblem } from '../src/evolve/problem/index.ts';
import { createAgentEvaluator } from '../src/learn/agent-problem/agent-evaluator.ts';
import { gateAgentWinner } from '../src/learn/agent-problem/agent-gate.ts';
import { readAgentProblemConfig } from '../src/learn/agent-problem/agent-problem-config.ts';
import { Library } from '../src/library/library.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createScriptedModel } from '../src/testing/scripted-model.ts';
import { formattingAgentReply, reflectiveProposerReply } from '../test/learn/agent-problem/scripted-agents.ts';

const exampleDirectory = new URL('../examples/agent-prompt', import.meta.url).pathname;

export interface AgentPromptRun {
  seed: number;
  /** Evaluations (the initial program's included) until one reached the target; null when none did. */
  evaluationsToTarget: number | null;
  bestTrainSuccess: number;
  evaluations: number;
  heldOut: { initial: number; winner: number | null };
  committed: boolean;
}

export async function agentPromptEvolution(options: { seeds: readonly number[]; iterations: number; target: number; ability: number }): Promise<AgentPromptRun[]> {
  const problem = await loadProblem(exampleDirectory);
  const config = readAgentProblemConfig(problem);
  const tasks = [...config.trainTasks, ...config.holdoutTasks];
  const runs: AgentPromptRun[] = [];
  for (const seed of options.seeds) {
    const agent = createScriptedModel({ spec: 'scripted:agent', replies: Array.from({ length: 2000 }, () => formattingAgentReply(tasks, options.ability)) });
    const proposer = createScriptedModel({ spec: 'scripted:proposer', replies: Array.from({ length: 4 * options.iterations }, () => reflectiveProposerReply) });
    const store = createMemoryStore();
    const summary = await evolve({
      problem,
      store,
      models: [proposer],
      evaluatorFactory: (loaded) => createAgentEvaluator({ problem: loaded, model: agent, config }),
      iterations: options.iterations,
      seed,
    }).result;
    const programs = await store.listPrograms(summary.runId);
    const evaluated = programs.filter((program) => typeof program.metrics['success'] === 'number');
    const reached = evaluated.findIndex((program) => (program.metrics['success'] as number) >= options.target);
    const gate = await gateAgentWinner({ problem, config, library: new Library({ store }), model: agent, runId: summary.runId, bestProgramId: summary.bestProgramId });
    runs.push({
      seed,
      evaluationsToTarget: reached === -1 ? null : reached + 1,
      bestTrainSuccess: Math.max(...evaluated.map((program) => program.metrics['success'] as number)),
      evaluations: evaluated.length,
      heldOut: { initial: gate.heldOut.initial.success, winner: gate.heldOut.winner?.success ?? null },
      committed: gate.decision === 'committed',
    });
    await store.close();
  }
  return runs;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
