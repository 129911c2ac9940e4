import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../../core/config-issues.ts';
import { ConfigError } from '../../core/errors.ts';
import { nonEmptyString, positiveInteger, positiveNumber } from '../../core/schema-fields.ts';
import type { Problem } from '../../evolve/types.ts';
import { validateArtifactName } from '../../library/artifact-content.ts';
import { parseSkillFile, toSkillName } from '../../library/skill-format.ts';
import { parseTaskStream, TaskStreamError, type Task } from '../task-stream.ts';

/**
 * The `agent` section of an agent problem's lamarck.json: which program files are which part of the
 * agent, the tasks it is scored on, and how. Evolve hands the section over unread (it knows no
 * agent); this module owns it, like every module owns its configuration section.
 *
 * The task file is one task stream (`lamarck learn`'s format): its `train` tasks are the search's
 * batch, its `holdout` tasks are read by the gate alone, so no candidate is ever chosen on them.
 */
const relativePath = nonEmptyString().refine((value) => !value.startsWith('/') && !value.split(/[\\/]/).includes('..'), {
  error: 'expected a path inside the problem directory (relative, no "..")',
});

export const agentProblemSectionSchema = z.strictObject({
  /** The task stream, relative to the problem directory. */
  tasks: relativePath,
  /** A program file whose text (EVOLVE-BLOCK marker lines left out) the agent gets as its instructions. */
  systemPrompt: z
    .strictObject({
      file: relativePath,
      /** The library `prompt` item the winner is committed to; `<problem name>-system-prompt` (made a valid name) by default. */
      name: nonEmptyString().optional(),
    })
    .optional(),
  /** Program files in the Agent Skills format (SKILL.md), offered to the agent as skills; the winner commits each as the `skill` item of its name. */
  skills: z.array(relativePath, { error: 'expected an array of SKILL.md paths' }).default([]),
  /** combined_score = success - costWeight x cost in USD; 0 (the default) scores success alone. */
  costWeight: z.number({ error: 'expected a non-negative number' }).min(0, { error: 'expected a non-negative number' }).default(0),
  /** Limits of one agent run on one task. */
  limits: z
    .strictObject({
      maxSteps: positiveInteger().optional(),
      maxTimeSeconds: positiveNumber().optional(),
    })
    .default({}),
  /** Use only the first n training tasks per evaluation (all by default). */
  trainTasks: positiveInteger().optional(),
});

export type AgentProblemSection = z.output<typeof agentProblemSectionSchema>;

/** An agent problem, validated and with its tasks read and split. */
export interface AgentProblemConfig {
  section: AgentProblemSection;
  /** The library prompt item the system prompt is committed to (when there is a system prompt file). */
  promptName: string | undefined;
  /** The skill item name of each skill file, by path. */
  skillNames: Record<string, string>;
  trainTasks: Task[];
  holdoutTasks: Task[];
}

/**
 * Reads an agent problem's section. Synchronous on purpose: evolve builds its evaluator in a
 * synchronous factory, and a bad section must stop the run before it starts, naming the field.
 */
export function readAgentProblemConfig(problem: Problem): AgentProblemConfig {
  const source = `${problem.directory}/lamarck.json`;
  if (problem.agent === undefined) throw new ConfigError('agent', 'this problem has no "agent" section: it is not an agent problem', { source });
  const section = parseOrThrow(agentProblemSectionSchema, problem.agent, { source, prefix: ['agent'] });
  if (section.systemPrompt === undefined && section.skills.length === 0) {
    throw new ConfigError('agent', 'give the part of the agent to evolve: "systemPrompt" ({ "file": ... }) and/or "skills" (SKILL.md files)', { source });
  }
  const programFile = (path: string, field: string): string => {
    const content = problem.files[path];
    if (content === undefined) throw new ConfigError(field, `${path} is not one of the program files (${Object.keys(problem.files).join(', ')})`, { source });
    return content;
  };
  if (section.systemPrompt !== undefined) programFile(section.systemPrompt.file, 'agent.systemPrompt.file');
  const promptName = section.systemPrompt === undefined ? undefined : (section.systemPrompt.name ?? toSkillName(`${problem.name}-system-prompt`));
  if (promptName !== undefined) {
    const problems = validateArtifactName(promptName);
    if (problems.length > 0) throw new ConfigError('agent.systemPrompt.name', `"${promptName}" cannot name a library item: ${problems.join('; ')}`, { source });
  }
  const skillNames: Record<string, string> = {};
  section.skills.forEach((path, index) => {
    const parsed = parseSkillFile(programFile(path, `agent.skills.${index}`));
    if (!parsed.ok) throw new ConfigError(`agent.skills.${index}`, `${path} is not a valid SKILL.md: ${parsed.problems.join('; ')}`, { source });
    skillNames[path] = parsed.skill.frontmatter.name;
  });
  const tasks = readTasks(problem.directory, section.tasks, source);
  const trainTasks = tasks.filter((task) => task.split === 'train').slice(0, section.trainTasks);
  const holdoutTasks = tasks.filter((task) => task.split === 'holdout');
  const unverified = tasks.find((task) => task.verify === undefined);
  if (unverified !== undefined) throw new ConfigError('agent.tasks', `task ${unverified.id} in ${section.tasks} has no "verify": an agent problem scores answers by their verifiers`, { source });
  if (trainTasks.length === 0) throw new ConfigError('agent.tasks', `${section.tasks} has no "train" tasks for the search to score candidates on`, { source });
  if (holdoutTasks.length === 0) throw new ConfigError('agent.tasks', `${section.tasks} has no "holdout" tasks: the gate needs them to check the winner`, { source });
  return { section, promptName, skillNames, trainTasks, holdoutTasks };
}

function readTasks(directory: string, path: string, source: string): Task[] {
  let text: string;
  try {
    text = readFileSync(join(directory, path), 'utf8');
  } catch (error) {
    throw new ConfigError('agent.tasks', `cannot read ${path} in ${directory}: ${(error as Error).message}`, { source, cause: error });
  }
  try {
    return parseTaskStream(text, path);
  } catch (error) {
    if (error instanceof TaskStreamError) throw new ConfigError('agent.tasks', error.message, { source, cause: error });
    throw error;
  }
}
