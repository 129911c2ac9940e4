import type { AgentLimits } from '../../agent/types.ts';
import { definedOnly, mapDefined } from '../../core/defined-only.ts';
import type { JsonObject } from '../../core/json.ts';
import type { EvaluationResult, Evaluator, Problem } from '../../evolve/types.ts';
import type { LanguageModelClient, UsageMeter } from '../../model/types.ts';
import { readAgentProblemConfig, type AgentProblemConfig } from './agent-problem-config.ts';
import { readAgentProgram } from './agent-program.ts';
import { failingTrajectories } from './failing-trajectories.ts';
import { runOnTasks, type TasksRunSummary } from './run-on-tasks.ts';

/**
 * The evaluator of an agent problem: the real agent, shaped by the candidate (its instructions and
 * skills), acts on the problem's training tasks with the configured model, and each answer is
 * judged by the task's verifier. Metrics: `success` (share passed), `cost` (USD the agent spent),
 * `tokens`; combined_score = success - costWeight x cost. Artifacts: a one-line `evaluation` and
 * the `failing_trajectories` (task, answer, a transcript summary, the verifier's verdict and
 * reason), bounded so that they reach the model whole (see failing-trajectories.ts). The held-out
 * tasks are never run here: they belong to the gate.
 */
export interface AgentEvaluatorOptions {
  problem: Problem;
  /** The model the agent acts with (not necessarily the one that proposes edits). */
  model: LanguageModelClient;
  /** Counts the agent's calls (the run's meter, so they count against the run's budget). */
  meter?: UsageMeter | undefined;
  /** The problem's config when already read; read from `problem` otherwise. */
  config?: AgentProblemConfig | undefined;
}

export function createAgentEvaluator(options: AgentEvaluatorOptions): Evaluator {
  const config = options.config ?? readAgentProblemConfig(options.problem);
  const limits = agentLimitsOf(config);
  return {
    async evaluate(files, evaluateOptions): Promise<EvaluationResult> {
      const started = performance.now();
      const reading = readAgentProgram(config, files);
      if (!reading.ok) {
        return {
          ok: false,
          score: null,
          metrics: {},
          artifacts: { failure_reason: reading.message },
          failure: { kind: 'invalid-output', message: reading.message },
          stages: 1,
          durationMs: performance.now() - started,
        };
      }
      const summary = await runOnTasks({
        model: options.model,
        parts: reading.parts,
        tasks: config.trainTasks,
        limits,
        meter: options.meter,
        signal: evaluateOptions.signal,
      });
      // A run the budget stopped says nothing about the candidate: its score would be the budget's.
      const stopped = summary.outcomes.find((outcome) => outcome.errorCode === 'budget-exceeded');
      if (stopped !== undefined) {
        const message = `the budget ran out while the agent acted on task ${stopped.task.id}: ${stopped.reason}`;
        return { ok: false, score: null, metrics: agentMetrics(summary), artifacts: { failure_reason: message }, failure: { kind: 'budget', message }, stages: 1, durationMs: performance.now() - started };
      }
      const score = summary.success - config.section.costWeight * summary.costUsd;
      return {
        ok: true,
        score,
        metrics: { ...agentMetrics(summary), combined_score: score },
        artifacts: {
          evaluation: `training tasks: ${summary.passed} of ${summary.outcomes.length} passed; cost $${summary.costUsd.toFixed(6)}; ${summary.tokens} tokens`,
          failing_trajectories: failingTrajectories(summary.outcomes),
        },
        failure: null,
        stages: 1,
        durationMs: performance.now() - started,
      };
    },
  };
}

export function agentMetrics(summary: TasksRunSummary): JsonObject {
  return { success: summary.success, cost: summary.costUsd, tokens: summary.tokens, passed: summary.passed, tasks: summary.outcomes.length };
}

export function agentLimitsOf(config: AgentProblemConfig): AgentLimits {
  const limits = config.section.limits;
  return definedOnly({ maxSteps: limits.maxSteps, maxTimeMs: mapDefined(limits.maxTimeSeconds, (seconds) => Math.round(seconds * 1000)) });
}
