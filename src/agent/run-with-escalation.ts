import { costOf } from '../model/pricing.ts';
import type { LanguageModelClient, ModelPricing } from '../model/types.ts';
import { isRefusal } from './refusal.ts';
import { runAgent } from './run-agent.ts';
import type { RunAgentOptions } from './run-agent-options.ts';
import type { AgentResult } from './types.ts';

/**
 * `lamarck run --escalate <strong>`: the configured model runs the task first; when it refuses (no
 * answer, a failed run, an answer that is a refusal; see refusal.ts) the strong model runs the task
 * afresh. A single run has no verifier, so a refusal is the one signal to escalate on. A run
 * stopped on request or by its budget, or resumed without its task, is never escalated. The result is the strong run's, with the
 * usage of both runs and which run it replaced.
 */
export interface EscalatedAgentResult extends AgentResult {
  escalation?: { from: string; to: string; reason: 'refused'; firstRunId: string; firstCostUsd: number };
  /** With a strong model: what the cascade cost against running the strong model alone. */
  cascade?: RunCascadeCost;
}

/**
 * The cost of one cascaded run against always-strong. When the first model's answer stood, the
 * strong model never ran, so its cost is estimated as the same tokens at the strong model's price
 * (undefined when that price is unknown); when the task escalated, always-strong is the strong
 * run's own cost, and the saving is negative: the first run was spent for nothing.
 */
export interface RunCascadeCost {
  used: 'cheap' | 'escalated';
  costUsd: number;
  alwaysStrongEstimateUsd?: number | undefined;
  savedEstimateUsd?: number | undefined;
}

export function runCascadeCost(result: EscalatedAgentResult, strongPricing: ModelPricing | undefined): RunCascadeCost {
  const costUsd = result.usage.costUsd;
  if (result.escalation !== undefined) {
    const strongCostUsd = costUsd - result.escalation.firstCostUsd;
    return { used: 'escalated', costUsd, alwaysStrongEstimateUsd: strongCostUsd, savedEstimateUsd: -result.escalation.firstCostUsd };
  }
  if (strongPricing === undefined) return { used: 'cheap', costUsd };
  const alwaysStrongEstimateUsd = costOf(result.usage, strongPricing);
  return { used: 'cheap', costUsd, alwaysStrongEstimateUsd, savedEstimateUsd: alwaysStrongEstimateUsd - costUsd };
}

export interface EscalatingRun {
  result: Promise<EscalatedAgentResult>;
  stop(reason?: string): void;
}

export function runAgentWithEscalation(options: RunAgentOptions, strong: LanguageModelClient | undefined, strongPricing?: ModelPricing): EscalatingRun {
  let stopped: string | undefined;
  let current = runAgent(options);
  const settled = (async (): Promise<EscalatedAgentResult> => {
    const first = await current.result;
    const errorCode = first.error?.code;
    const escalate = strong !== undefined && options.task.trim() !== '' && stopped === undefined && first.stopReason !== 'aborted' && errorCode !== 'budget-exceeded' && isRefusal({ answer: first.answer, errorCode });
    if (!escalate) return first;
    // A fresh run, not a resume: the strong model starts from the task, not from the refusal.
    const { resume: _resume, ...fresh } = options;
    current = runAgent({ ...fresh, task: options.task, model: strong });
    const second = await current.result;
    return {
      ...second,
      usage: {
        modelCalls: first.usage.modelCalls + second.usage.modelCalls,
        inputTokens: first.usage.inputTokens + second.usage.inputTokens,
        outputTokens: first.usage.outputTokens + second.usage.outputTokens,
        costUsd: first.usage.costUsd + second.usage.costUsd,
      },
      escalation: { from: options.model.spec, to: strong.spec, reason: 'refused', firstRunId: first.runId, firstCostUsd: first.usage.costUsd },
    };
  })();
  const result = strong === undefined ? settled : settled.then((value) => ({ ...value, cascade: runCascadeCost(value, strongPricing) }));
  return {
    result,
    stop(reason) {
      stopped = reason ?? 'stopped';
      current.stop(reason);
    },
  };
}
