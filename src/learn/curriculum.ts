import { z } from 'zod';
import type { LanguageModelClient, UsageMeter } from '../model/types.ts';
import { nearDuplicateSimilarity, promptSimilarity, verifierProblem, type GeneratedTask } from './curriculum-check.ts';
import { taskSchema, type Task } from './task-stream.ts';

/**
 * `lamarck curriculum`: the model writes tasks for a domain, each with a verifier, a reference
 * solution and a wrong one; a task is kept only when its verifier passes the reference and fails
 * the wrong solution, and it is not a near-duplicate of one kept before. Kept tasks carry the tag
 * `self-generated` (after the domain's tag, which stays their kind), so the learning curve of a
 * `lamarck learn` run over them says which tasks Lamarck wrote. Every drop is reported with why.
 */
export const selfGeneratedTag = 'self-generated';

export interface CurriculumOptions {
  model: LanguageModelClient;
  /** What the tasks are about, in words. */
  domain: string;
  /** How many tasks to ask for. */
  count: number;
  /** The tag naming the domain (the tasks' kind), e.g. `arithmetic`. */
  tag: string;
  meter?: UsageMeter | undefined;
  /** Where command verifiers run. */
  cwd?: string | undefined;
}

export interface CurriculumDrop {
  index: number;
  prompt: string;
  reason: string;
}

export interface Curriculum {
  kept: Task[];
  dropped: CurriculumDrop[];
  /** Candidates the model wrote, kept or not. */
  generated: number;
}

const candidateSchema = z.object({
  prompt: z.string(),
  verify: z.unknown(),
  reference: z.string(),
  wrong: z.string(),
});
const replySchema = z.object({ tasks: z.array(z.unknown()) });

const system =
  'You write practice tasks for an AI agent, in JSON. Each task has a prompt, a verifier that checks an answer, a correct reference answer, and a plausible wrong answer the verifier must reject. ' +
  'Verifiers: {"type":"exact","expected":"...","trim":true}, {"type":"regex","pattern":"..."}, {"type":"json","expected":{...},"subset":true}, or {"type":"predicate","source":"(answer) => ..."}. ' +
  'Aim for tasks a capable agent solves about half the time: neither trivial nor impossible. Make each task different from the others.';

export async function writeCurriculum(options: CurriculumOptions): Promise<Curriculum> {
  const reply = await options.model.generateObject({
    system,
    prompt: `Domain: ${options.domain}\n\nWrite ${options.count} tasks. Reply with {"tasks":[{"prompt":...,"verify":{...},"reference":...,"wrong":...}]}.`,
    schema: replySchema,
    schemaName: 'curriculum',
    purpose: 'curriculum',
    meter: options.meter,
  });
  const kept: Task[] = [];
  const dropped: CurriculumDrop[] = [];
  for (const [index, raw] of reply.object.tasks.entries()) {
    const drop = (prompt: string, reason: string): void => void dropped.push({ index, prompt, reason });
    const shape = candidateSchema.safeParse(raw);
    if (!shape.success) {
      drop('', `not a task: ${shape.error.issues.map((issue) => `${issue.path.join('.') || 'task'}: ${issue.message}`).join('; ')}`);
      continue;
    }
    const parsed = taskSchema.safeParse({ id: taskId(options.tag, index), prompt: shape.data.prompt, verify: shape.data.verify, tags: [options.tag, selfGeneratedTag] });
    if (!parsed.success) {
      drop(shape.data.prompt, `invalid task: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'task'}: ${issue.message}`).join('; ')}`);
      continue;
    }
    const candidate: GeneratedTask = { task: parsed.data, reference: shape.data.reference, wrong: shape.data.wrong };
    const problem = await verifierProblem(candidate, options.cwd);
    if (problem !== undefined) {
      drop(candidate.task.prompt, problem);
      continue;
    }
    const twin = kept.find((task) => promptSimilarity(task.prompt, candidate.task.prompt) >= nearDuplicateSimilarity);
    if (twin !== undefined) {
      drop(candidate.task.prompt, `a near-duplicate of ${twin.id}`);
      continue;
    }
    kept.push(candidate.task);
  }
  return { kept, dropped, generated: reply.object.tasks.length };
}

function taskId(tag: string, index: number): string {
  return `${tag}-generated-${index + 1}`;
}
