import { z } from 'zod';
import { definedOnly } from '../core/defined-only.ts';
import { BudgetExceededError } from '../core/errors.ts';
import type { LanguageModelClient, UsageMeter } from '../model/types.ts';
import { CalibrationBudgetStop, measureSuccess, type CalibrationSettings, type Difficulty } from './curriculum-calibration.ts';
import { nearDuplicateSimilarity, promptSimilarity, verifierProblem, type GeneratedTask } from './curriculum-check.ts';
import type { LibraryGap } from './curriculum-gaps.ts';
import { taskSchema, type Task } from './task-stream.ts';

/**
 * `lamarck curriculum`: the model writes tasks for each target (a domain in words, or a gap of the
 * library: a failure cluster, a skill without held-out coverage), each with a verifier, a reference
 * solution and a wrong one; a task is kept only when its verifier passes the reference and fails
 * the wrong solution, and it is not a near-duplicate of one seen before. With calibration, the
 * current agent then tries each checked task a few times, and only tasks it solves about half the
 * time are kept; for those too easy or too hard, the model is asked for harder or easier variants,
 * for up to `rounds` rounds. Kept tasks carry the tag `self-generated` (after the target's kind,
 * which stays their kind), so the learning curve of a `lamarck learn` run over them says which
 * tasks Lamarck wrote. Every drop is reported with why, every kept task with the target it aims at.
 */
export const selfGeneratedTag = 'self-generated';

/** What a batch of tasks aims at: `id` is what the output names, `kind` the tasks' first tag. */
export interface CurriculumTarget {
  id: string;
  kind: string;
  /** What the tasks are about, in words, for the model. */
  description: string;
  /** The library gap the tasks are aimed at (a gap's target, not a domain's): kept on each task, so learn's curve shows it. */
  gap?: string | undefined;
}

export interface CurriculumCalibration extends CalibrationSettings {
  /** Generation rounds per target: the first batch, then variants of the tasks too easy or too hard. */
  rounds: number;
}

export interface CurriculumOptions {
  model: LanguageModelClient;
  targets: readonly CurriculumTarget[];
  /** How many tasks to keep per target (and to ask for in its first batch). */
  count: number;
  /** Absent: no difficulty check, one batch per target. */
  calibration?: CurriculumCalibration | undefined;
  meter?: UsageMeter | undefined;
  /** Where command verifiers run. */
  cwd?: string | undefined;
}

export interface CurriculumDrop {
  /** The candidate's place among all the model wrote, from 0. */
  index: number;
  target: string;
  prompt: string;
  reason: string;
}

export interface KeptTask {
  task: Task;
  /** The target's id: the gap (or domain) the task aims at. */
  target: string;
  /** The agent's tries and passes when calibrated. */
  measured?: { passes: number; tries: number } | undefined;
}

export interface CalibrationReport {
  tries: number;
  low: number;
  high: number;
  /** Checked tasks the agent tried. */
  measured: number;
  tooEasy: number;
  tooHard: number;
  /** Passes over tries of every measured task, and of the kept ones alone. */
  measuredSuccessRate: number | null;
  keptSuccessRate: number | null;
}

export interface Curriculum {
  kept: KeptTask[];
  dropped: CurriculumDrop[];
  /** Candidates the model wrote, kept or not. */
  generated: number;
  /** Batches asked of the model. */
  batches: number;
  calibration?: CalibrationReport | undefined;
  /** Why generation stopped early (the run's budget), when it did. */
  stopped?: string | undefined;
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

/** A domain given in words, as one target. */
export function domainTarget(domain: string, kind: string): CurriculumTarget {
  return { id: `domain-${kind}`, kind, description: domain };
}

/** A gap of the library, as a target whose description shows the model what fails. */
export function gapTarget(gap: LibraryGap): CurriculumTarget {
  if (gap.type === 'uncovered-skill') {
    return {
      id: gap.id,
      kind: gap.kind,
      gap: gap.id,
      description: `Tasks that need the skill "${gap.skill}" (${gap.description}). No held-out task has checked this skill yet: ${gap.reason}.`,
    };
  }
  const lines = [
    `Tasks of the kind "${gap.kind}", which the agent keeps failing: ${gap.failed} of ${gap.attempted} such tasks still fail.`,
    gap.terms.length > 0 ? `What the failed tasks share: ${gap.terms.join(', ')}.` : '',
    'Failed tasks, for example:',
    ...gap.examples.map((example) => `- ${example.prompt} (the agent answered ${example.answer === null ? 'nothing' : JSON.stringify(example.answer.slice(0, 200))})`),
    ...(gap.feedback.length > 0 ? ['What the verifier said:', ...gap.feedback.map((feedback) => `- ${feedback}`)] : []),
    'Write new tasks that practise what these need, not copies of them.',
  ];
  return { id: gap.id, kind: gap.kind, gap: gap.id, description: lines.filter((line) => line !== '').join('\n') };
}

interface Measured {
  task: Task;
  passes: number;
  tries: number;
  difficulty: Difficulty;
}

export async function writeCurriculum(options: CurriculumOptions): Promise<Curriculum> {
  const state: CurriculumState = { kept: [], dropped: [], seen: [], measured: [], generated: 0, batches: 0, numbers: new Map() };
  try {
    for (const target of options.targets) await writeForTarget(options, target, state);
  } catch (error) {
    if (!(error instanceof BudgetExceededError || error instanceof CalibrationBudgetStop)) throw error;
    state.stopped = `the budget ran out: ${error.message}`;
  }
  return {
    kept: state.kept,
    dropped: state.dropped,
    generated: state.generated,
    batches: state.batches,
    calibration: options.calibration === undefined ? undefined : calibrationReport(options.calibration, state),
    stopped: state.stopped,
  };
}

interface CurriculumState {
  kept: KeptTask[];
  dropped: CurriculumDrop[];
  /** Every checked task so far (kept or measured and dropped): what a near-duplicate is looked for in. */
  seen: Task[];
  measured: Measured[];
  generated: number;
  batches: number;
  /** The next number per kind, so ids stay unique across targets and rounds. */
  numbers: Map<string, number>;
  stopped?: string;
}

async function writeForTarget(options: CurriculumOptions, target: CurriculumTarget, state: CurriculumState): Promise<void> {
  const rounds = options.calibration?.rounds ?? 1;
  const fresh = (count: number): string => `Domain: ${target.description}\n\nWrite ${count} tasks.`;
  let request = fresh(options.count);
  for (let round = 0; round < rounds; round += 1) {
    const candidates = await askForTasks(options, request, state);
    const outcome = await checkBatch(options, target, candidates, state);
    const needed = options.count - state.kept.filter((kept) => kept.target === target.id).length;
    if (needed <= 0 || candidates.length === 0) return;
    // Variants of what missed the band when some did; otherwise more tasks like the first batch.
    request = outcome.tooEasy.length === 0 && outcome.tooHard.length === 0 ? fresh(needed) : variantRequest(target, outcome, needed);
  }
}

async function askForTasks(options: CurriculumOptions, request: string, state: CurriculumState): Promise<unknown[]> {
  state.batches += 1;
  const reply = await options.model.generateObject({
    system,
    prompt: `${request} Reply with {"tasks":[{"prompt":...,"verify":{...},"reference":...,"wrong":...}]}.`,
    schema: replySchema,
    schemaName: 'curriculum',
    purpose: 'curriculum',
    meter: options.meter,
  });
  return reply.object.tasks;
}

/** The next batch's request: harder variants of the tasks the agent always solved, easier ones of those it never did. */
function variantRequest(target: CurriculumTarget, outcome: { tooEasy: Measured[]; tooHard: Measured[] }, needed: number): string {
  const described = (measured: Measured): string => `- ${measured.task.prompt} (solved ${measured.passes} of ${measured.tries} tries)`;
  return [
    `Domain: ${target.description}`,
    '',
    ...(outcome.tooEasy.length > 0 ? ['The agent solved these too often. Write harder variants of them:', ...outcome.tooEasy.map(described)] : []),
    ...(outcome.tooHard.length > 0 ? ['The agent solved these too rarely. Write easier variants of them:', ...outcome.tooHard.map(described)] : []),
    '',
    `Write ${needed} tasks.`,
  ].join('\n');
}

async function checkBatch(options: CurriculumOptions, target: CurriculumTarget, candidates: readonly unknown[], state: CurriculumState): Promise<{ tooEasy: Measured[]; tooHard: Measured[] }> {
  const tooEasy: Measured[] = [];
  const tooHard: Measured[] = [];
  for (const raw of candidates) {
    const index = state.generated;
    state.generated += 1;
    const drop = (prompt: string, reason: string): void => void state.dropped.push({ index, target: target.id, prompt, reason });
    // Every candidate takes a number, so a task's id says where in the model's reply it was.
    const number = (state.numbers.get(target.kind) ?? 0) + 1;
    state.numbers.set(target.kind, number);
    const shape = candidateSchema.safeParse(raw);
    if (!shape.success) {
      drop('', `not a task: ${shape.error.issues.map((issue) => `${issue.path.join('.') || 'task'}: ${issue.message}`).join('; ')}`);
      continue;
    }
    const parsed = taskSchema.safeParse({ id: `${target.kind}-generated-${number}`, prompt: shape.data.prompt, verify: shape.data.verify, tags: [target.kind, selfGeneratedTag], ...definedOnly({ gap: target.gap }) });
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
    const twin = state.seen.find((task) => promptSimilarity(task.prompt, candidate.task.prompt) >= nearDuplicateSimilarity);
    if (twin !== undefined) {
      drop(candidate.task.prompt, `a near-duplicate of ${twin.id}`);
      continue;
    }
    state.seen.push(candidate.task);
    if (options.calibration === undefined) {
      state.kept.push({ task: candidate.task, target: target.id });
      continue;
    }
    const keptForTarget = state.kept.filter((kept) => kept.target === target.id).length;
    if (keptForTarget >= options.count) {
      drop(candidate.task.prompt, `not needed: ${options.count} tasks for ${target.id} are kept already`);
      continue;
    }
    let measure;
    try {
      measure = await measureSuccess(candidate.task, options.calibration);
    } catch (error) {
      if (error instanceof CalibrationBudgetStop) drop(candidate.task.prompt, 'the budget ran out before its difficulty was measured');
      throw error;
    }
    const measured: Measured = { task: candidate.task, ...measure };
    state.measured.push(measured);
    if (measure.difficulty === 'about-half') {
      state.kept.push({ task: candidate.task, target: target.id, measured: { passes: measure.passes, tries: measure.tries } });
      continue;
    }
    drop(candidate.task.prompt, `${measure.difficulty === 'too-easy' ? 'too easy' : 'too hard'}: the agent solved it ${measure.passes} of ${measure.tries} times`);
    (measure.difficulty === 'too-easy' ? tooEasy : tooHard).push(measured);
  }
  return { tooEasy, tooHard };
}

function calibrationReport(calibration: CurriculumCalibration, state: CurriculumState): CalibrationReport {
  const rate = (measured: ReadonlyArray<{ passes: number; tries: number }>): number | null => {
    const tries = measured.reduce((sum, item) => sum + item.tries, 0);
    return tries === 0 ? null : measured.reduce((sum, item) => sum + item.passes, 0) / tries;
  };
  return {
    tries: calibration.tries,
    low: calibration.low,
    high: calibration.high,
    measured: state.measured.length,
    tooEasy: state.measured.filter((item) => item.difficulty === 'too-easy').length,
    tooHard: state.measured.filter((item) => item.difficulty === 'too-hard').length,
    measuredSuccessRate: rate(state.measured),
    keptSuccessRate: rate(state.kept.flatMap((kept) => (kept.measured === undefined ? [] : [kept.measured]))),
  };
}
