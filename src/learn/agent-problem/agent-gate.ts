import { NotFoundError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { Problem } from '../../evolve/types.ts';
import type { Library } from '../../library/library.ts';
import type { LanguageModelClient, UsageMeter } from '../../model/types.ts';
import { agentLimitsOf } from './agent-evaluator.ts';
import { readAgentProblemConfig, type AgentProblemConfig } from './agent-problem-config.ts';
import { readAgentProgram, type AgentProgramParts } from './agent-program.ts';
import { commitAgentWinner, type CommittedItem } from './commit-winner.ts';
import { runOnTasks, type TasksRunSummary } from './run-on-tasks.ts';

/**
 * The gate of an agent problem, and the only reader of its held-out tasks: the run's best program
 * and the initial program act on the held-out split with the same model, and the best one is
 * committed to the library (a new version of each part it changed, with lineage to the run and the
 * program) only when its held-out combined score (success - costWeight x cost) is strictly higher.
 * The search never saw these tasks, so a prompt that only fits the training tasks does not pass.
 */
export interface AgentGateOptions {
  problem: Problem;
  library: Library;
  model: LanguageModelClient;
  runId: string;
  /** The program the run found best; null when the run evaluated nothing. */
  bestProgramId: string | null;
  meter?: UsageMeter | undefined;
  config?: AgentProblemConfig | undefined;
}

export interface AgentGateSide {
  success: number;
  passed: number;
  tasks: number;
  cost: number;
  tokens: number;
  score: number;
}

export interface AgentGateResult {
  decision: 'committed' | 'rejected';
  reason: string;
  runId: string;
  programId: string | null;
  heldOut: { initial: AgentGateSide; winner: AgentGateSide | null };
  committed: CommittedItem[];
}

export async function gateAgentWinner(options: AgentGateOptions): Promise<AgentGateResult> {
  const config = options.config ?? readAgentProblemConfig(options.problem);
  const onHoldout = (parts: AgentProgramParts): Promise<TasksRunSummary> =>
    runOnTasks({ model: options.model, parts, tasks: config.holdoutTasks, limits: agentLimitsOf(config), meter: options.meter });
  const side = (summary: TasksRunSummary): AgentGateSide => ({
    success: summary.success,
    passed: summary.passed,
    tasks: summary.outcomes.length,
    cost: summary.costUsd,
    tokens: summary.tokens,
    score: summary.success - config.section.costWeight * summary.costUsd,
  });
  const initialReading = readAgentProgram(config, options.problem.files);
  if (!initialReading.ok) throw new Error(`the initial program is not a valid agent program: ${initialReading.message}`);
  const initial = side(await onHoldout(initialReading.parts));
  const rejected = (reason: string, winner: AgentGateSide | null): AgentGateResult => ({
    decision: 'rejected',
    reason,
    runId: options.runId,
    programId: options.bestProgramId,
    heldOut: { initial, winner },
    committed: [],
  });
  if (options.bestProgramId === null) return rejected('the run found no program to check', null);
  const program = await options.library.store.getProgram(options.bestProgramId);
  if (program === undefined) throw new NotFoundError('program', options.bestProgramId);
  const reading = readAgentProgram(config, program.files);
  if (!reading.ok) return rejected(`the best program is not a valid agent program: ${reading.message}`, null);
  const winner = side(await onHoldout(reading.parts));
  const comparison = `held-out success ${format(initial.success)} → ${format(winner.success)} (score ${format(initial.score)} → ${format(winner.score)}) on ${initial.tasks} tasks`;
  if (!(winner.score > initial.score)) return rejected(`the best program does not beat the initial one on the held-out split: ${comparison}`, winner);
  const evaluation: JsonObject = {
    origin: 'evolve-agent-problem',
    problem: options.problem.name,
    runId: options.runId,
    programId: program.id,
    trainMetrics: program.metrics,
    heldOut: { initial: { ...initial }, winner: { ...winner } },
  };
  const committed = await commitAgentWinner({
    library: options.library,
    config,
    problem: options.problem,
    initial: initialReading.parts,
    winner: reading.parts,
    message: `evolve run ${options.runId}, program ${program.id}: ${comparison}`,
    evaluation,
  });
  return { decision: 'committed', reason: comparison, runId: options.runId, programId: program.id, heldOut: { initial, winner }, committed };
}

export function gateResultToJson(result: AgentGateResult): JsonObject {
  return {
    decision: result.decision,
    reason: result.reason,
    runId: result.runId,
    programId: result.programId,
    heldOut: { initial: { ...result.heldOut.initial }, winner: result.heldOut.winner === null ? null : { ...result.heldOut.winner } },
    committed: result.committed.map((item) => ({ ...item })),
  };
}

function format(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
