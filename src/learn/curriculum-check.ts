import type { Task } from './task-stream.ts';
import { runVerifier } from './verifiers.ts';

/**
 * The checks a generated task must pass before `lamarck curriculum` keeps it: its verifier passes
 * the reference solution and fails the wrong one (a verifier that passes everything or nothing
 * teaches nothing), and it is not a near-duplicate of a task already kept. Each drop says why.
 */
export interface GeneratedTask {
  task: Task;
  reference: string;
  wrong: string;
}

export async function verifierProblem(candidate: GeneratedTask, cwd?: string): Promise<string | undefined> {
  const { task } = candidate;
  if (task.verify === undefined) return 'it has no verifier';
  const options = cwd === undefined ? {} : { cwd };
  const onReference = await runVerifier(task.verify, candidate.reference, task, options);
  if (!onReference.passed) return `its ${task.verify.type} verifier fails the reference solution (${onReference.feedback})`;
  const onWrong = await runVerifier(task.verify, candidate.wrong, task, options);
  if (onWrong.passed) return `its ${task.verify.type} verifier passes the wrong solution ${JSON.stringify(candidate.wrong.slice(0, 80))}`;
  return undefined;
}

/** Word-set overlap (Jaccard) at or above which two prompts count as the same task. */
export const nearDuplicateSimilarity = 0.8;

export function promptSimilarity(first: string, second: string): number {
  const words = (text: string): Set<string> => new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
  const a = words(first);
  const b = words(second);
  if (a.size === 0 && b.size === 0) return 1;
  const shared = [...a].filter((word) => b.has(word)).length;
  return shared / (a.size + b.size - shared);
}
