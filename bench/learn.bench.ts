/**
 * The learn loop's resume figures on `examples/tasks/arithmetic.jsonl` with a scripted model (no
 * LLM here): model calls of an uninterrupted run, of a run that dies in its seventh training task
 * right after a commit landed (before the commit was recorded, the worst moment) and is then
 * resumed, and of starting the stream again instead. The libraries the runs end with are compared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentActor } from '../src/learn/actor.ts';
import { parseLearnConfig } from '../src/learn/learn-config.ts';
import { runLearn } from '../src/learn/learn-loop.ts';
import { storeLearnProgress, type LearnProgress } from '../src/learn/learn-progress.ts';
import { readTaskStream, type Task } from '../src/learn/task-stream.ts';
import { Library } from '../src/library/library.ts';
import { LibraryIndex } from '../src/library/retrieval/library-index.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import { createScriptedModel, type ScriptedRequest } from '../src/testing/scripted-model.ts';

class SimulatedKill extends Error {}

export async function run(): Promise<Record<string, unknown>> {
  const tasks = await readTaskStream(new URL('../examples/tasks/arithmetic.jsonl', import.meta.url).pathname);
  const training = tasks.filter((task) => task.split !== 'holdout');
  const directory = mkdtempSync(join(tmpdir(), 'lamarck-bench-learn-'));
  try {
    const uninterrupted = await learnRun(join(directory, 'uninterrupted.db'), tasks, [undefined]);
    const killedTask = training[6]!.id;
    const resumed = await learnRun(join(directory, 'resumed.db'), tasks, [killedTask, undefined]);
    return {
      trainingTasks: training.length,
      killedIn: killedTask,
      uninterrupted: uninterrupted.summary,
      interrupted: resumed.processes[0],
      resumed: resumed.processes[1],
      modelCalls: {
        uninterrupted: uninterrupted.processes[0]!.modelCalls,
        interruptedThenResumed: resumed.processes.reduce((total, process) => total + process.modelCalls, 0),
        // Without resume the stream starts again: the killed process's calls plus a whole run.
        interruptedThenRestarted: resumed.processes[0]!.modelCalls + uninterrupted.processes[0]!.modelCalls,
      },
      sameLibrary: JSON.stringify(uninterrupted.library) === JSON.stringify(resumed.library),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

interface ProcessFigures {
  modelCalls: number;
  killed: boolean;
  committed: number | null;
}

/** One learn run in a store, as a sequence of processes: each kills itself in the named task (or finishes). */
async function learnRun(path: string, tasks: Task[], killIn: (string | undefined)[]) {
  const setup = SqliteStore.open({ path });
  const runId = (await setup.createRun({ kind: 'learn', name: 'arithmetic', config: {} })).id;
  await setup.close();
  const processes: ProcessFigures[] = [];
  for (const taskId of killIn) {
    const store = SqliteStore.open({ path });
    const agent = createScriptedModel({ spec: 'scripted:agent', replies: Array.from({ length: 1000 }, () => ({ toolCalls: [{ name: 'final_answer', input: { answer: 'wrong' } }] })) });
    const learner = createScriptedModel({ spec: 'scripted:learner', replies: Array.from({ length: 1000 }, () => reflect) });
    const inner = storeLearnProgress(store, runId);
    const progress: LearnProgress =
      taskId === undefined
        ? inner
        : {
            ...inner,
            saveDecision: async (proposalId, decision) => {
              if (proposalId === `${runId}:${taskId}#0`) throw new SimulatedKill();
              await inner.saveDecision(proposalId, decision);
            },
          };
    const library = new Library({ store });
    let committed: number | null = null;
    try {
      const result = await runLearn({
        tasks,
        library,
        index: new LibraryIndex(),
        actor: createAgentActor({ model: agent, store, limits: { maxSteps: 2 } }),
        learner,
        config: parseLearnConfig({ mirror: false }),
        progress,
      }).result;
      committed = result.committed;
    } catch (error) {
      if (!(error instanceof SimulatedKill)) throw error;
    }
    processes.push({ modelCalls: agent.calls.length + learner.calls.length, killed: committed === null, committed });
    await store.close();
  }
  const store = SqliteStore.open({ path });
  const library = new Library({ store });
  const entries = await library.list();
  const versions = await Promise.all(entries.map(async (entry) => [`${entry.kind}/${entry.name}`, (await library.history(entry.kind, entry.name)).length] as const));
  await store.close();
  return {
    processes,
    library: Object.fromEntries(versions),
    summary: { artifacts: entries.length, versions: versions.reduce((total, [, count]) => total + count, 0) },
  };
}

/** A reflection proposing one lesson named after the task's first words (a family shares them). */
function reflect(request: ScriptedRequest) {
  if (request.system?.includes('consolidate') === true) return { object: { skill: null } };
  const task = /<task>\n([\s\S]*?)\n<\/task>/.exec(request.lastUserText)?.[1] ?? 'task';
  const words = task.split(/\W+/).filter((word) => word.length > 3).slice(0, 4);
  const name = `lesson-${words.join('-').toLowerCase()}`.slice(0, 60);
  const content = { title: name, text: `For tasks like "${task.slice(0, 60)}": check the units.`, type: 'strategy', when: words.join(' '), tags: [] };
  return { object: { rootCause: 'r', keyInsight: 'k', proposals: [{ op: 'add', kind: 'lesson', name, content, rationale: 'r' }] } };
}
