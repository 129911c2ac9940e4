import type { JsonObject } from '../../core/json.ts';
import { truncateMiddle } from '../../evolve/evaluate/truncate-text.ts';
import type { TaskRunOutcome } from './run-on-tasks.ts';

/**
 * The failing tasks of an evaluation as the engine stores and shows them to the model (the shape
 * a reflective operator reads: task, prompt, answer, transcript, verdict, reason). Bounded: at
 * most `maxTrajectories`, each text field cut at its middle, because the engine hands operators a
 * program's artifacts cut to about 4,000 characters in all, and a value over its share arrives as
 * text instead of JSON. Kept this small, the list arrives whole.
 */
export const maxTrajectories = 4;
const fieldChars = { prompt: 240, answer: 240, transcript: 500, reason: 240 } as const;

export function failingTrajectories(outcomes: readonly TaskRunOutcome[]): JsonObject[] {
  return outcomes
    .filter((outcome) => !outcome.passed)
    .slice(0, maxTrajectories)
    .map((outcome) => ({
      task: outcome.task.id,
      prompt: truncateMiddle(outcome.task.prompt, fieldChars.prompt),
      answer: outcome.answer === null ? null : truncateMiddle(outcome.answer, fieldChars.answer),
      transcript: truncateMiddle(outcome.transcript, fieldChars.transcript),
      verdict: outcome.verdict,
      reason: truncateMiddle(outcome.reason, fieldChars.reason),
    }));
}
