import type { AgentEvent, AgentLimits } from '../../agent/types.ts';
import { runAgent } from '../../agent/run-agent.ts';
import { definedOnly } from '../../core/defined-only.ts';
import type { LanguageModelClient, UsageMeter } from '../../model/types.ts';
import type { Task } from '../task-stream.ts';
import { runVerifier } from '../verifiers.ts';
import { knowledgeOf, type AgentProgramParts } from './agent-program.ts';

/**
 * Runs the real agent, shaped by one candidate, on a list of tasks, one after another, and judges
 * each answer with the task's verifier. Shared by the evaluator (training tasks) and the gate
 * (held-out tasks), so both score a candidate the same way. The runs are not written to the store:
 * an evaluation makes dozens of them, and what the search needs of each is kept in the outcome.
 */
export interface TaskRunOutcome {
  task: Task;
  passed: boolean;
  answer: string | null;
  /** `fail`: the verifier rejected the answer; `error`: the run gave no answer or failed. */
  verdict: 'pass' | 'fail' | 'error';
  reason: string;
  /** The agent run's error code when it failed (`budget-exceeded` when the budget stopped it). */
  errorCode: string | undefined;
  transcript: string;
  costUsd: number;
  tokens: number;
}

export interface TasksRunSummary {
  outcomes: TaskRunOutcome[];
  passed: number;
  success: number;
  costUsd: number;
  tokens: number;
}

export interface RunOnTasksOptions {
  model: LanguageModelClient;
  parts: AgentProgramParts;
  tasks: readonly Task[];
  limits: AgentLimits;
  meter?: UsageMeter | undefined;
  signal?: AbortSignal | undefined;
}

export async function runOnTasks(options: RunOnTasksOptions): Promise<TasksRunSummary> {
  const outcomes: TaskRunOutcome[] = [];
  for (const task of options.tasks) {
    if (options.signal?.aborted === true) throw options.signal.reason ?? new Error('evaluation aborted');
    const outcome = await runOne(task, options);
    outcomes.push(outcome);
    // Past the budget every further call is refused at once: the rest would only repeat the refusal.
    if (outcome.errorCode === 'budget-exceeded') break;
  }
  const passed = outcomes.filter((outcome) => outcome.passed).length;
  return {
    outcomes,
    passed,
    success: outcomes.length === 0 ? 0 : passed / outcomes.length,
    costUsd: outcomes.reduce((sum, outcome) => sum + outcome.costUsd, 0),
    tokens: outcomes.reduce((sum, outcome) => sum + outcome.tokens, 0),
  };
}

async function runOne(task: Task, options: RunOnTasksOptions): Promise<TaskRunOutcome> {
  const lines: string[] = [];
  const run = runAgent({
    task: task.prompt,
    model: options.model,
    knowledge: knowledgeOf(options.parts),
    taskId: task.id,
    limits: options.limits,
    metadata: { purpose: 'agent-problem' },
    onEvent: (event) => noteEvent(event, lines),
    ...definedOnly({ instructions: options.parts.instructions, meter: options.meter, signal: options.signal }),
  });
  const result = await run.result;
  const usage = { costUsd: result.usage.costUsd, tokens: result.usage.inputTokens + result.usage.outputTokens };
  const transcript = lines.join('\n');
  if (result.answer === null) {
    const reason = result.error === undefined ? `no answer (${result.stopReason})` : `${result.error.code}: ${result.error.message}`;
    return { task, passed: false, answer: null, verdict: 'error', reason, errorCode: result.error?.code, transcript, ...usage };
  }
  // readAgentProblemConfig refuses a task without a verifier, so every task here has one.
  const verdict = await runVerifier(task.verify!, result.answer, task);
  return { task, passed: verdict.passed, answer: result.answer, verdict: verdict.passed ? 'pass' : 'fail', reason: verdict.feedback, errorCode: undefined, transcript, ...usage };
}

/** A line of the run's summary per event the reader of a failure needs. */
function noteEvent(event: AgentEvent, lines: string[]): void {
  switch (event.type) {
    case 'model-called':
      if (event.text.trim() !== '') lines.push(`assistant: ${event.text.trim()}`);
      return;
    case 'tool-called':
      if (event.name !== 'final_answer') lines.push(`tool call ${event.name}(${JSON.stringify(event.input)})`);
      return;
    case 'tool-finished':
      if (event.isError) lines.push(`tool ${event.name} failed`);
      return;
    case 'skill-activated':
      lines.push(`activated skill ${event.name}`);
      return;
    case 'guardrail-blocked':
      lines.push(`blocked by guardrail ${event.guardrail}: ${event.reason}`);
      return;
    case 'run-finished':
      lines.push(`final answer: ${event.result.answer ?? '(none)'}`);
      return;
    default:
      return;
  }
}
