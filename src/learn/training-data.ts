/**
 * Trajectories and verdicts as training data for the trainers that update weights (outside this
 * package): supervised examples from successes, in the chat-messages JSONL that OpenAI-style and
 * TRL SFT trainers read, and preference pairs (chosen/rejected) from a success and a failure on
 * the same task, in the prompt/chosen/rejected shape DPO trainers read.
 */
export interface RecordedAttempt {
  taskId: string;
  prompt: string;
  answer: string | null;
  passed: boolean;
  score: number;
  trajectoryId: string | null;
}

export interface SftExample {
  messages: { role: 'user' | 'assistant'; content: string }[];
  metadata: { taskId: string; score: number; trajectoryId: string | null };
}

export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
  metadata: { taskId: string; chosenScore: number; rejectedScore: number };
}

export function sftExamples(attempts: readonly RecordedAttempt[]): SftExample[] {
  const seen = new Set<string>();
  const examples: SftExample[] = [];
  for (const attempt of attempts) {
    if (!attempt.passed || attempt.answer === null) continue;
    // One example per distinct (task, answer): repeated gate runs would otherwise weight a task.
    const key = `${attempt.taskId}\u0000${attempt.answer}`;
    if (seen.has(key)) continue;
    seen.add(key);
    examples.push({
      messages: [
        { role: 'user', content: attempt.prompt },
        { role: 'assistant', content: attempt.answer },
      ],
      metadata: { taskId: attempt.taskId, score: attempt.score, trajectoryId: attempt.trajectoryId },
    });
  }
  return examples;
}

export function preferencePairs(attempts: readonly RecordedAttempt[]): PreferencePair[] {
  const byTask = new Map<string, RecordedAttempt[]>();
  for (const attempt of attempts) {
    if (attempt.answer === null) continue;
    byTask.set(attempt.taskId, [...(byTask.get(attempt.taskId) ?? []), attempt]);
  }
  const pairs: PreferencePair[] = [];
  for (const [taskId, group] of byTask) {
    const successes = uniqueAnswers(group.filter((attempt) => attempt.passed));
    const failures = uniqueAnswers(group.filter((attempt) => !attempt.passed));
    for (const chosen of successes) {
      for (const rejected of failures) {
        if (chosen.answer === rejected.answer) continue;
        pairs.push({
          prompt: chosen.prompt,
          chosen: chosen.answer!,
          rejected: rejected.answer!,
          metadata: { taskId, chosenScore: chosen.score, rejectedScore: rejected.score },
        });
      }
    }
  }
  return pairs;
}

export function toJsonl(records: readonly unknown[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + (records.length > 0 ? '\n' : '');
}

function uniqueAnswers(attempts: readonly RecordedAttempt[]): RecordedAttempt[] {
  const seen = new Set<string>();
  return attempts.filter((attempt) => {
    if (seen.has(attempt.answer!)) return false;
    seen.add(attempt.answer!);
    return true;
  });
}
