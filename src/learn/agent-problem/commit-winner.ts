import type { JsonObject } from '../../core/json.ts';
import type { Problem } from '../../evolve/types.ts';
import type { Library } from '../../library/library.ts';
import type { AgentProblemConfig } from './agent-problem-config.ts';
import type { AgentProgramParts } from './agent-program.ts';

/**
 * Commits the parts of the agent the winner changed as library versions: the system prompt as the
 * `prompt` item the problem names, each changed skill as the `skill` item of its name. The version
 * carries the gate's figures and the run and program that found it (its evaluation), so
 * `lamarck library prompts history <name>` shows where it came from, and it rolls back like any
 * learned change. An item the library does not hold yet is first added with the initial program's
 * text, so that rolling back to version 1 restores the agent as it was before the search.
 */
export interface CommittedItem {
  kind: 'prompt' | 'skill';
  name: string;
  version: number;
}

export interface CommitWinnerOptions {
  library: Library;
  config: AgentProblemConfig;
  problem: Problem;
  initial: AgentProgramParts;
  winner: AgentProgramParts;
  message: string;
  evaluation: JsonObject;
}

export async function commitAgentWinner(options: CommitWinnerOptions): Promise<CommittedItem[]> {
  const { library, initial, winner } = options;
  const committed: CommittedItem[] = [];
  const provenance = { message: options.message, evaluation: options.evaluation };
  const baseline = { message: `the initial program of agent problem ${options.problem.name}, before evolve run ${String(options.evaluation['runId'])}` };
  const promptName = options.config.promptName;
  if (promptName !== undefined && winner.instructions !== undefined && winner.instructions !== initial.instructions) {
    const description = `System prompt of the agent, evolved on problem ${options.problem.name}`;
    if ((await library.get('prompt', promptName)) === undefined) {
      await library.add('prompt', promptName, { description, text: nonEmpty(initial.instructions) }, baseline);
    }
    const entry = await library.update('prompt', promptName, (current) => ({ ...current.content, text: nonEmpty(winner.instructions) }), provenance);
    committed.push({ kind: 'prompt', name: promptName, version: entry.version.number });
  }
  for (const skill of winner.skills) {
    const before = initial.skills.find((candidate) => candidate.path === skill.path);
    if (before !== undefined && before.body === skill.body && before.description === skill.description) continue;
    if ((await library.get('skill', skill.name)) === undefined) {
      await library.add('skill', skill.name, { description: (before ?? skill).description, body: (before ?? skill).body }, baseline);
    }
    const entry = await library.update('skill', skill.name, (current) => ({ ...current.content, description: skill.description, body: skill.body }), provenance);
    committed.push({ kind: 'skill', name: skill.name, version: entry.version.number });
  }
  return committed;
}

/** A prompt item needs text, so an emptied system prompt is committed as a note that says so. */
function nonEmpty(text: string | undefined): string {
  return text === undefined || text.trim() === '' ? '(no instructions)' : text;
}
