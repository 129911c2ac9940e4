import type { Task } from '../../../src/learn/task-stream.ts';
import type { ScriptedReplyValue, ScriptedRequest } from '../../../src/testing/scripted-model.ts';

/**
 * Scripted models for the agent-problem tests and the loops bench, whose behaviour follows what
 * they are told, so an improvement under evolution is real behaviour and not a scripted outcome.
 *
 * The agent knows every fact (it is given the task list) but writes its answer the way its system
 * prompt tells it: without a rule it answers in a sentence ("The answer is 8."), writes dates out
 * ("July 20, 1969") and lists in prose ("Blue, Green and Red"). Each rule below, once the system
 * prompt holds its phrase, fixes one habit. `ability` is how many rules it can follow at once (a
 * weaker model follows only the first rules it is given).
 *
 * The proposer reads the failing trajectories in its prompt (the evaluator feedback of the parent)
 * and adds the instruction that fixes the first failure whose rule the program lacks: a reflective
 * edit, made only from what the failures show.
 */
export const formattingRules = {
  bare: { phrase: 'only the answer itself', instruction: 'Reply with only the answer itself: no sentence around it, no trailing period.' },
  date: { phrase: 'YYYY-MM-DD', instruction: 'Write every date as YYYY-MM-DD (for example 1969-07-20).' },
  list: { phrase: 'separated by a comma and a space', instruction: 'Write a list in lower case, in alphabetical order, items separated by a comma and a space.' },
} as const;

export type FormattingRule = keyof typeof formattingRules;

const usage = { inputTokens: 600, outputTokens: 20 };

/** One reply of the agent model: its final answer to the task in the request. */
export function formattingAgentReply(tasks: readonly Task[], ability = 3): (request: ScriptedRequest) => ScriptedReplyValue {
  return (request) => {
    const taskText = request.messages.find((message) => message.role === 'user')?.text ?? '';
    const task = tasks.find((candidate) => taskText.includes(candidate.prompt));
    const system = request.system ?? '';
    const followed = (Object.keys(formattingRules) as FormattingRule[])
      .filter((rule) => system.includes(formattingRules[rule].phrase))
      .sort((a, b) => system.indexOf(formattingRules[a].phrase) - system.indexOf(formattingRules[b].phrase))
      .slice(0, ability);
    const answer = task === undefined || task.verify?.type !== 'exact' ? 'I do not know.' : written(task.verify.expected, task.tags[0] ?? '', new Set(followed));
    return { toolCalls: [{ name: 'final_answer', input: { answer } }], usage };
  };
}

function written(expected: string, kind: string, rules: ReadonlySet<FormattingRule>): string {
  let value = expected;
  if (kind === 'date' && !rules.has('date')) value = longDate(expected);
  if (kind === 'list' && !rules.has('list')) value = proseList(expected);
  return rules.has('bare') ? value : `The answer is ${value}.`;
}

const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function longDate(iso: string): string {
  const [year, month, day] = iso.split('-').map(Number);
  return `${months[(month ?? 1) - 1]} ${day}, ${year}`;
}

function proseList(list: string): string {
  const items = list.split(', ').map((item) => item.charAt(0).toUpperCase() + item.slice(1));
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The rule a failing answer shows is missing, read from the answer alone. */
export function ruleForAnswer(answer: string): FormattingRule | undefined {
  if (/^The answer is /.test(answer)) return 'bare';
  if (/^[A-Z][a-z]+ \d{1,2}, \d{4}$/.test(answer)) return 'date';
  if (/ and /.test(answer) || /^[A-Z][a-z]+(, [A-Z][a-z]+)+$/.test(answer)) return 'list';
  return undefined;
}

/** One reply of the proposer: an edit to the system prompt file in the form the prompt asks for. */
export function reflectiveProposerReply(request: ScriptedRequest): ScriptedReplyValue {
  const prompt = request.messages.map((message) => message.text).join('\n');
  const interior = blockInterior(prompt);
  // Failures arrive as JSON (the evaluator feedback) or as `answer: ...` lines (a reflective operator's cases).
  const answers = [...prompt.matchAll(/"answer":\s*"((?:[^"\\]|\\.)*)"|^answer: (.*)$/gm)].map((match) =>
    match[1] === undefined ? match[2]!.trim() : (JSON.parse(`"${match[1]}"`) as string),
  );
  const missing = answers.map(ruleForAnswer).find((rule) => rule !== undefined && !interior.includes(formattingRules[rule].phrase));
  const added = missing === undefined ? 'Answer the question precisely.' : formattingRules[missing].instruction;
  const lines = interior.split('\n');
  const last = lines.at(-1) ?? '';
  const usageOfEdit = { inputTokens: 1500, outputTokens: 80 };
  if (prompt.includes('<<<<<<< SEARCH')) {
    return { text: `Add the missing rule.\n<<<<<<< SEARCH\n${last}\n=======\n${last}\n${added}\n>>>>>>> REPLACE\n`, usage: usageOfEdit };
  }
  return { text: `Add the missing rule.\n\`\`\`\n${interior}\n${added}\n\`\`\`\n`, usage: usageOfEdit };
}

/** The lines between the first EVOLVE-BLOCK markers shown in a prompt (the program's block). */
function blockInterior(prompt: string): string {
  const match = /EVOLVE-BLOCK-START[^\n]*\n([\s\S]*?)\n[^\n]*EVOLVE-BLOCK-END/.exec(prompt.slice(prompt.indexOf('```')));
  return match?.[1] ?? '';
}
