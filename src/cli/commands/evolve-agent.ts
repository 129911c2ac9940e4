import { ConfigError, UsageError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { EvolveSummary } from '../../evolve/engine/events.ts';
import type { Evaluator, Problem } from '../../evolve/types.ts';
import { createAgentEvaluator } from '../../learn/agent-problem/agent-evaluator.ts';
import { gateAgentWinner, gateResultToJson, type AgentGateResult } from '../../learn/agent-problem/agent-gate.ts';
import { readAgentProblemConfig, type AgentProblemConfig } from '../../learn/agent-problem/agent-problem-config.ts';
import type { LanguageModelClient, UsageMeter } from '../../model/types.ts';
import type { CliContext } from '../context.ts';
import { openLibrary } from './library.ts';

/**
 * What `lamarck evolve` adds for an agent problem (lamarck.json with an `agent` section): the
 * agent evaluator, acting with the agent's model on the training tasks, and after the run the
 * gate, which alone reads the held-out tasks and commits the winner to the library. The problem
 * is known only once evolve has loaded it (a resumed run finds its directory in the run record),
 * so the evaluator factory is where it is caught.
 */
export interface AgentProblemWiring {
  /** The agent evaluator for an agent problem, its model calls counted by the run's meter; undefined for any other problem. */
  evaluatorFor(problem: Problem, meter: UsageMeter): Evaluator | undefined;
  /** After the run: the gate's result, or undefined when the problem was not an agent problem. */
  gate(summary: EvolveSummary): Promise<AgentGateResult | undefined>;
}

export function agentProblemWiring(options: {
  context: CliContext;
  /** The model the agent acts with; undefined when none is configured. */
  agentModel: LanguageModelClient | undefined;
  external: boolean;
}): AgentProblemWiring {
  let loaded: { problem: Problem; config: AgentProblemConfig; model: LanguageModelClient } | undefined;
  return {
    evaluatorFor(problem, meter) {
      if (problem.evaluator.kind !== 'agent') return undefined;
      if (options.external) throw new UsageError('--workers external cannot run an agent problem: its evaluator is the agent, which runs in this process');
      if (options.agentModel === undefined) {
        throw new ConfigError('model', 'an agent problem needs a model for the agent to act with: --agent-model <spec>, --model <spec>, or a model in lamarck.config.json');
      }
      const config = readAgentProblemConfig(problem);
      loaded = { problem, config, model: options.agentModel };
      return createAgentEvaluator({ problem, model: options.agentModel, config, meter });
    },
    async gate(summary) {
      if (loaded === undefined || summary.status === 'failed') return undefined;
      const library = await openLibrary(options.context);
      const result = await gateAgentWinner({
        problem: loaded.problem,
        config: loaded.config,
        library,
        model: loaded.model,
        runId: summary.runId,
        bestProgramId: summary.bestProgramId,
      });
      // The run's events keep the decision beside the programs it was made on.
      await library.store.appendEvent(summary.runId, 'agent-gate', gateResultToJson(result) as JsonObject);
      return result;
    },
  };
}

/** The gate's result as lines of the text summary. */
export function describeAgentGate(result: AgentGateResult): string {
  const items = result.committed.map((item) => `${item.kind} ${item.name}@${item.version}`).join(', ');
  return result.decision === 'committed' ? `agent gate: committed ${items} (${result.reason})` : `agent gate: not committed: ${result.reason}`;
}
