/**
 * Scripted stand-ins for the curriculum's tests and the loops bench: sums whose difficulty is how
 * many numbers they add, an agent of a given ability, and a task writer that follows what it is
 * asked (harder or easier variants of the tasks it is shown).
 *
 * The agent stands in for a model that solves a task some of the time, without chance: on its
 * k-th try at one prompt (k = 0, 1, 2...) it answers right when k mod 4 is below
 * `ability - addends + 2` (clamped to 0..4). So over 4 tries it solves a sum of `ability` numbers
 * 2 times, one number fewer 3 times, two fewer always, one more once, two more never.
 */
import type { ScriptedReplyValue, ScriptedRequest } from '../../src/testing/scripted-model.ts';

const sumPattern = /Add ((?:\d+, )*\d+ and \d+)\./;

export function sumTerms(prompt: string): number[] | undefined {
  const match = sumPattern.exec(prompt);
  if (match === null) return undefined;
  return match[1]!.split(/, | and /).map(Number);
}

/** A sum of `addends` numbers, the `serial`-th written: distinct numbers, so no two are near-duplicates. */
export function sumPrompt(addends: number, serial: number): string {
  const numbers = Array.from({ length: addends }, (_, place) => 3 + ((serial * 7 + place * 13) % 90));
  return `Add ${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)!}.`;
}

/** A candidate as the writer returns it: verifier, reference (the sum) and wrong answer (one more). */
export function sumCandidate(addends: number, serial: number): object {
  const prompt = sumPrompt(addends, serial);
  const total = sumTerms(prompt)!.reduce((sum, value) => sum + value, 0);
  return { prompt, verify: { type: 'exact', expected: String(total) }, reference: String(total), wrong: String(total + 1) };
}

export function createLeveledAgent(ability: number): (task: string) => string {
  const tries = new Map<string, number>();
  return (task) => {
    const terms = sumTerms(task);
    if (terms === undefined) return 'no idea';
    const attempt = tries.get(task) ?? 0;
    tries.set(task, attempt + 1);
    const solvedOutOfFour = Math.max(0, Math.min(4, ability - terms.length + 2));
    const total = terms.reduce((sum, value) => sum + value, 0);
    return attempt % 4 < solvedOutOfFour ? String(total) : String(total - 1);
  };
}

/** The scripted model's reply: the agent's final answer to the task in the first user message. */
export function leveledAgentReply(agent: (task: string) => string): (request: ScriptedRequest) => ScriptedReplyValue {
  return (request) => {
    const task = request.messages.find((message) => message.role === 'user')?.text ?? '';
    return { toolCalls: [{ name: 'final_answer', input: { answer: agent(task) } }] };
  };
}

/**
 * The writer: a first batch of sums with `firstAddends` numbers each; asked for harder variants of
 * listed sums, sums of two more numbers; for easier ones, two fewer (at least two).
 */
export function createSumWriter(firstAddends: readonly number[], firstSerial = 100): (prompt: string) => { tasks: object[] } {
  let serial = firstSerial;
  const next = (addends: number): object => sumCandidate(addends, (serial += 1));
  return (prompt) => {
    const harder = section(prompt, 'Write harder variants of them:');
    const easier = section(prompt, 'Write easier variants of them:');
    if (harder.length === 0 && easier.length === 0) return { tasks: firstAddends.map(next) };
    return { tasks: [...harder.map((terms) => next(terms + 2)), ...easier.map((terms) => next(Math.max(2, terms - 2)))] };
  };
}

/** The addend counts of the sums listed under a heading of the writer's request. */
function section(prompt: string, heading: string): number[] {
  const start = prompt.indexOf(heading);
  if (start === -1) return [];
  const lines = prompt.slice(start + heading.length).split('\n').slice(1);
  const listed: number[] = [];
  for (const line of lines) {
    if (!line.startsWith('- ')) break;
    const terms = sumTerms(line);
    if (terms !== undefined) listed.push(terms.length);
  }
  return listed;
}
