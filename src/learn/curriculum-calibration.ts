import type { Actor } from './actor.ts';
import type { LibraryKnowledge } from './library-knowledge.ts';
import type { Task } from './task-stream.ts';
import { runVerifier } from './verifiers.ts';

/**
 * Difficulty for `lamarck curriculum`: the current agent (its model and the library's knowledge)
 * tries a checked task a few times and its verifier judges each answer; a task the agent solves
 * about half the time (between `low` and `high` of its tries) is kept, one it solves more often is
 * too easy, less often too hard. A task teaches most near half success: always solved, it shows
 * nothing to reflect on; never solved, nothing to learn from.
 */
export interface CalibrationSettings {
  actor: Actor;
  /** The library's knowledge for a task, as learn gives it to the agent. */
  knowledge: (task: Task) => LibraryKnowledge;
  /** Attempts per task. */
  tries: number;
  /** Lowest share of tries solved for a task to be kept. */
  low: number;
  /** Highest share of tries solved for a task to be kept. */
  high: number;
  /** Where command verifiers run. */
  cwd?: string | undefined;
}

export type Difficulty = 'about-half' | 'too-easy' | 'too-hard';

export interface SuccessMeasure {
  passes: number;
  tries: number;
  difficulty: Difficulty;
}

/** Thrown when the agent stopped at the run's budget before a task's tries were done. */
export class CalibrationBudgetStop extends Error {}

export async function measureSuccess(task: Task, settings: CalibrationSettings): Promise<SuccessMeasure> {
  const verify = task.verify;
  if (verify === undefined) throw new Error(`task ${task.id} has no verifier to calibrate with`);
  let passes = 0;
  for (let attempt = 0; attempt < settings.tries; attempt += 1) {
    const outcome = await settings.actor(task, settings.knowledge(task), 'calibrate');
    // The outcome's error reads `code: message`; the stop says the message alone, as the writer's refusal does.
    if (outcome.errorCode === 'budget-exceeded') throw new CalibrationBudgetStop((outcome.error ?? 'the budget is spent').replace(/^budget-exceeded: /, ''));
    if (outcome.answer === null) continue;
    const verdict = await runVerifier(verify, outcome.answer, task, settings.cwd === undefined ? {} : { cwd: settings.cwd });
    if (verdict.passed) passes += 1;
  }
  const share = passes / settings.tries;
  const difficulty: Difficulty = share > settings.high ? 'too-easy' : share < settings.low ? 'too-hard' : 'about-half';
  return { passes, tries: settings.tries, difficulty };
}
