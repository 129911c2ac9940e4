import type { Library } from '../library/library.ts';
import type { Actor, TaskAttemptOutcome } from './actor.ts';
import { escalationReason, isRefusedAttempt, type EscalationReason } from './escalation-reason.ts';
import type { LibraryKnowledge } from './library-knowledge.ts';
import { readModelRoute, taskKindOf } from './model-routes.ts';
import type { Task } from './task-stream.ts';
import type { Verdict } from './verdict.ts';

/**
 * Cheap first, strong when needed: the learn loop's actor is the cheap model; with an escalation,
 * an attempt the cheap model fails (see escalation-reason.ts) is made again by the strong model,
 * and a kind of task the cheap model keeps failing goes straight to the strong one (model-routes.ts).
 * The cheap attempt is counted on its kind's route by learn-task.ts once the attempt is recorded,
 * so a resumed run does not count it again.
 */
export interface Escalation {
  strong: Actor;
  /** A critic's passing score under this escalates (low confidence). */
  minConfidence: number;
  /** Cheap failures on one kind of task before that kind goes straight to the strong model. */
  routeAfterFailures: number;
}

/** How the cascade handled one task: `cheap` (it stood), `escalated`, or `strong` (the kind's route). */
export interface CascadeRecord {
  taskKind: string;
  used: 'cheap' | 'escalated' | 'strong';
  reason?: EscalationReason;
  /** The cheap attempt's trajectory (cheap and escalated tasks): the evidence for the kind's route. */
  cheapTrajectoryId?: string | null;
  cheapCostUsd: number;
  strongCostUsd: number;
}

export interface CascadeAttempt {
  outcome: TaskAttemptOutcome;
  verdict: Verdict;
  cascade?: CascadeRecord;
}

export interface CascadeContext {
  library: Library;
  actor: Actor;
  escalation?: Escalation | undefined;
  judge: (task: Task, answer: string | null, transcript: string) => Promise<Verdict>;
  runId: string;
}

export async function attemptWithCascade(context: CascadeContext, task: Task, knowledge: LibraryKnowledge): Promise<CascadeAttempt> {
  const act = async (actor: Actor): Promise<{ outcome: TaskAttemptOutcome; verdict: Verdict }> => {
    const outcome = await actor(task, knowledge, 'learn');
    return { outcome, verdict: await context.judge(task, outcome.answer, outcome.transcript) };
  };
  const { escalation } = context;
  if (escalation === undefined) return act(context.actor);
  const taskKind = taskKindOf(task);
  const route = await readModelRoute(context.library, taskKind);
  if (route?.route === 'strong') {
    const strong = await act(escalation.strong);
    return { ...strong, cascade: { taskKind, used: 'strong', cheapCostUsd: 0, strongCostUsd: strong.outcome.costUsd } };
  }
  const cheapOutcome = await context.actor(task, knowledge, 'learn');
  // A refusal is escalated without being judged: there is no answer to judge, and a critic call saved.
  const refused = isRefusedAttempt(cheapOutcome);
  const cheap = { outcome: cheapOutcome, verdict: refused ? undefined : await context.judge(task, cheapOutcome.answer, cheapOutcome.transcript) };
  const reason = escalationReason(cheap.outcome, cheap.verdict, escalation.minConfidence);
  if (reason === undefined && cheap.verdict !== undefined) return { outcome: cheap.outcome, verdict: cheap.verdict, cascade: { taskKind, used: 'cheap', cheapTrajectoryId: cheap.outcome.trajectoryId, cheapCostUsd: cheap.outcome.costUsd, strongCostUsd: 0 } };
  const strong = await act(escalation.strong);
  // The task's attempt is the strong model's; its cost and tokens include the cheap try it replaced.
  const outcome: TaskAttemptOutcome = {
    ...strong.outcome,
    costUsd: cheap.outcome.costUsd + strong.outcome.costUsd,
    inputTokens: cheap.outcome.inputTokens + strong.outcome.inputTokens,
    outputTokens: cheap.outcome.outputTokens + strong.outcome.outputTokens,
  };
  return { outcome, verdict: strong.verdict, cascade: { taskKind, used: 'escalated', reason: reason ?? 'refused', cheapTrajectoryId: cheap.outcome.trajectoryId, cheapCostUsd: cheap.outcome.costUsd, strongCostUsd: strong.outcome.costUsd } };
}
