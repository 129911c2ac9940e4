import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { createAgentActor } from '../../src/learn/actor.ts';
import { parseLearnConfig, type LearnConfig } from '../../src/learn/learn-config.ts';
import type { LearnEvent } from '../../src/learn/learn-events.ts';
import { runLearn, type LearnResult } from '../../src/learn/learn-loop.ts';
import type { LanguageModelClient } from '../../src/model/types.ts';
import { parseTaskStream, type Task } from '../../src/learn/task-stream.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { createScriptedModel, type ScriptedModel, type ScriptedRequest } from '../../src/testing/scripted-model.ts';

/**
 * An agent model that answers every task through final_answer, choosing the answer from what it
 * sees (its system prompt, with any injected lessons, and the task). `seen` keeps each system prompt.
 */
export function answeringModel(decide: (system: string, task: string) => string, capacity = 200): ScriptedModel & { systems: string[] } {
  const systems: string[] = [];
  const reply = (request: ScriptedRequest) => {
    const system = request.system ?? '';
    systems.push(system);
    const task = request.messages.find((message) => message.role === 'user')?.text ?? '';
    return { toolCalls: [{ name: 'final_answer', input: { answer: decide(system, task) } }] };
  };
  return Object.assign(createScriptedModel({ spec: 'scripted:agent', replies: Array.from({ length: capacity }, () => reply) }), { systems });
}

/** A learner model replying with the given objects in order (reflections, consolidations, verdicts). */
export function learnerModel(objects: unknown[]): ScriptedModel {
  return createScriptedModel({ spec: 'scripted:learner', replies: objects.map((object) => ({ object })) });
}

export function tasks(...lines: object[]): Task[] {
  return parseTaskStream(lines.map((line) => JSON.stringify(line)).join('\n'));
}

export function config(overrides: object = {}): LearnConfig {
  return parseLearnConfig({ consolidateEvery: 0, mirror: false, ...overrides });
}

export function memoryLibrary(): { library: Library; index: LibraryIndex } {
  return { library: new Library({ store: createMemoryStore() }), index: new LibraryIndex() };
}

export const noProposals = { rootCause: '', keyInsight: '', proposals: [] };

export function lessonProposal(name: string, text: string, extra: object = {}): object {
  return { op: 'add', kind: 'lesson', name, content: { title: name, text, type: 'warning', when: '', tags: [] }, rationale: 'test', ...extra };
}

/**
 * One learn run as most tests set it up: the agent acts with at most two steps on the library's
 * store, the learner judges and reflects, and every event is kept for the assertions.
 */
export async function learnOnce(setup: {
  tasks: Task[];
  probes?: Task[];
  library: Library;
  index: LibraryIndex;
  agent: LanguageModelClient;
  learner: LanguageModelClient;
  config?: LearnConfig;
}): Promise<{ result: LearnResult; events: LearnEvent[] }> {
  const events: LearnEvent[] = [];
  const run = runLearn({
    tasks: setup.tasks,
    ...(setup.probes === undefined ? {} : { probes: setup.probes }),
    library: setup.library,
    index: setup.index,
    actor: createAgentActor({ model: setup.agent, store: setup.library.store, limits: { maxSteps: 2 } }),
    learner: setup.learner,
    config: setup.config ?? config(),
  });
  run.events.subscribe((event) => events.push(event));
  const result = await run.result;
  return { result, events };
}

/** The three-task stream both shared-library tests (threads and processes) learn from. */
export function threeTasks(): Task[] {
  return tasks(
    { id: 't1', prompt: 'First task.', verify: { type: 'exact', expected: 'x' } },
    { id: 't2', prompt: 'Second task.', verify: { type: 'exact', expected: 'x' } },
    { id: 't3', prompt: 'Third task.', verify: { type: 'exact', expected: 'x' } },
  );
}
