import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgramDatabase } from '../../../src/evolve/database/program-database.ts';
import { parseEngineSettings } from '../../../src/evolve/engine/engine-settings.ts';
import type { EvolveEvent } from '../../../src/evolve/engine/events.ts';
import { ProgramLoader } from '../../../src/evolve/engine/program-loader.ts';
import { rebuildDatabase } from '../../../src/evolve/engine/rebuild-database.ts';
import { evolve, type EvolveOptions } from '../../../src/evolve/evolve.ts';
import { createLlmDiffOperator, createRepairOperator } from '../../../src/evolve/operators/index.ts';
import type { EvaluationResult, Evaluator } from '../../../src/evolve/types.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { ProgramRecord, Store } from '../../../src/store/types.ts';
import { createScriptedModel, type ScriptedModel, type ScriptedRequest } from '../../../src/testing/scripted-model.ts';
import { closeAfterEach } from './test-resources.ts';
import { fakeEvaluator, fakeProblem, hashFiles, programPath, tuningOperator, valueOf } from './fakes.ts';

/**
 * A child whose evaluation fails in a repairable way is repaired, ahead of new proposals, before
 * it is scored: a successful repair counts as `repaired`, a failed one leaves the child a failure
 * of its own kind, and a child left pending by a stopped run is repaired after resume.
 */
const { memoryStore, keep, keepDirectory } = closeAfterEach();

const repairHeading = '# A program that failed';

function isRepairPrompt(request: ScriptedRequest): boolean {
  return request.lastUserText.includes(repairHeading);
}

/**
 * Diff prompts get the next of `diffs` as x, repair prompts the next of `repairs` (a string is
 * sent as is, so it can be a reply that does not apply). Every edit is a SEARCH/REPLACE of the x line.
 */
function evolverModel(diffs: number[], repairs: (number | string)[]): ScriptedModel {
  let diff = 0;
  let repair = 0;
  const reply = (request: ScriptedRequest) => {
    const current = /x = (-?[\d.]+)/.exec(request.lastUserText)?.[1] ?? '10';
    const value = isRepairPrompt(request) ? repairs[repair++] : diffs[diff++];
    if (value === undefined) throw new Error(`no scripted value left for: ${request.lastUserText.slice(0, 80)}`);
    if (typeof value === 'string') return value;
    return `Change x.\n<<<<<<< SEARCH\nx = ${current}\n=======\nx = ${value}\n>>>>>>> REPLACE`;
  };
  return createScriptedModel({ replies: Array.from({ length: 40 }, () => reply), spec: 'scripted:evolver' });
}

/** The fake evaluator, except that every x at or above 13 crashes with a traceback. */
function crashingAbove13(options: { before?: (x: number) => Promise<void> } = {}): Evaluator & { log: string[] } {
  const inner = fakeEvaluator();
  return {
    log: inner.log,
    async evaluate(files, evaluateOptions): Promise<EvaluationResult> {
      const x = valueOf(files);
      await options.before?.(x);
      if (x >= 13) {
        inner.log.push(hashFiles(files));
        return { ok: false, score: null, metrics: {}, artifacts: { stderr: `Traceback: x = ${x} is unlucky` }, failure: { kind: 'crash', message: 'exit 1' }, stages: 1, durationMs: 1 };
      }
      return inner.evaluate(files, evaluateOptions);
    },
  };
}

function baseOptions(store: Store, model: ScriptedModel, evaluator: Evaluator): EvolveOptions {
  return {
    problem: fakeProblem(10, { islands: 1, fixRatio: 0, novelty: { threshold: 1 } }),
    store,
    models: [model],
    evaluator,
    operators: [createLlmDiffOperator(), createRepairOperator()],
  };
}

async function runCollecting(options: EvolveOptions) {
  const handle = evolve(options);
  const events: EvolveEvent[] = [];
  const collecting = (async () => {
    for await (const event of handle.events) events.push(event);
  })();
  const summary = await handle.result;
  await collecting;
  return { summary, events, runId: await handle.runId };
}

function evaluatedEvent(events: EvolveEvent[], programId: string): Extract<EvolveEvent, { type: 'candidate-evaluated' }> {
  const found = events.find((event) => event.type === 'candidate-evaluated' && event.programId === programId);
  if (found?.type !== 'candidate-evaluated') throw new Error(`no candidate-evaluated event for ${programId}`);
  return found;
}

function crashedChild(programs: ProgramRecord[]): ProgramRecord {
  const crashed = programs.filter((program) => program.operator !== 'repair' && program.failure?.kind === 'crash');
  expect(crashed).toHaveLength(1);
  return crashed[0]!;
}

describe('repair before scoring', () => {
  it('repairs a crashing child: the fix is its child by the repair operator and the crash counts as repaired', async () => {
    const store = memoryStore();
    const model = evolverModel([13, 5], [4]);
    const { summary, events, runId } = await runCollecting({ ...baseOptions(store, model, crashingAbove13()), iterations: 3, seed: 1, concurrency: { evaluations: 1, window: 1 } });
    expect(summary.iterations).toBe(3);
    expect(summary.failures).toEqual({});
    expect(summary.repaired).toBe(1);

    const programs = await store.listPrograms(runId);
    const crashed = crashedChild(programs);
    expect(crashed.status).toBe('failed');
    expect(crashed.artifacts['stderr']).toContain('unlucky');
    const repaired = programs.find((program) => program.parentId === crashed.id)!;
    expect(repaired.operator).toBe('repair');
    expect(repaired.status).toBe('evaluated');
    expect(valueOf(repaired.files)).toBe(4);
    expect(repaired.generation).toBe(crashed.generation + 1);

    // The repair prompt carried the failure and its error artifacts.
    const repairCalls = model.calls.filter(isRepairPrompt);
    expect(repairCalls).toHaveLength(1);
    expect(repairCalls[0]!.lastUserText).toContain('crash: exit 1');
    expect(repairCalls[0]!.lastUserText).toContain('x = 13 is unlucky');

    // While pending, the crash was not counted; its repair resolved it.
    expect(evaluatedEvent(events, crashed.id).totals.failures).toBe(0);
    expect(events.find((event) => event.type === 'repair-finished')).toMatchObject({ programId: crashed.id, repairId: repaired.id, repaired: true });
    const persisted = (await store.listEvents(runId)).map((event) => event.type);
    expect(persisted).toContain('repair-queued');
    expect(persisted).toContain('repair-finished');
  });

  it('scores the child as a failure of its own kind when its repair fails, and does not repair the repair', async () => {
    const store = memoryStore();
    const model = evolverModel([13, 5, 6], [14]);
    const { summary, events, runId } = await runCollecting({ ...baseOptions(store, model, crashingAbove13()), iterations: 4, seed: 2, concurrency: { evaluations: 1, window: 1 } });
    expect(summary.failures).toEqual({ crash: 2 });
    expect(summary.repaired).toBe(0);
    expect(model.calls.filter(isRepairPrompt)).toHaveLength(1);

    const programs = await store.listPrograms(runId);
    const crashed = crashedChild(programs);
    const repair = programs.find((program) => program.parentId === crashed.id)!;
    expect(repair).toMatchObject({ operator: 'repair', status: 'failed', failure: { kind: 'crash' } });
    // The child's failure is counted only when its repair has failed too.
    expect(evaluatedEvent(events, crashed.id).totals.failures).toBe(0);
    expect(evaluatedEvent(events, repair.id).totals.failures).toBe(2);
    expect(events.find((event) => event.type === 'repair-finished')).toMatchObject({ programId: crashed.id, repairId: repair.id, repaired: false });
  });

  it('scores the child as a failure of its own kind when the repair reply does not apply', async () => {
    const store = memoryStore();
    const model = evolverModel([13, 5, 6], ['I cannot fix this.']);
    const { summary, events, runId } = await runCollecting({ ...baseOptions(store, model, crashingAbove13()), iterations: 4, seed: 3, concurrency: { evaluations: 1, window: 1 } });
    expect(summary.failures).toEqual({ crash: 1 });
    expect(summary.rejections).toEqual({ 'apply-failed': 1 });
    expect(summary.repaired).toBe(0);
    const crashed = crashedChild(await store.listPrograms(runId));
    expect(evaluatedEvent(events, crashed.id).totals.failures).toBe(0);
    expect(events.find((event) => event.type === 'repair-finished')).toMatchObject({ programId: crashed.id, repaired: false });
  });

  it('proposes the repair before any new proposal and evaluates it ahead of candidates already waiting', async () => {
    const store = memoryStore();
    const model = evolverModel([13, 5, 6, 7, 8, 9], [4]);
    // The crash is reported only once the pipeline has filled its queue with three more diff candidates.
    const evaluator = crashingAbove13({
      before: async (x) => {
        if (x === 13) {
          while (model.calls.length < 4) await new Promise((resolve) => setTimeout(resolve, 2));
        } else await new Promise((resolve) => setTimeout(resolve, 25));
      },
    });
    const { summary, runId } = await runCollecting({ ...baseOptions(store, model, evaluator), iterations: 6, concurrency: { proposals: 1, evaluations: 1, queue: 3 } });
    expect(summary.repaired).toBe(1);

    // Calls 1-4 were diffs proposed before the crash was known; the very next call is the repair.
    const kinds = model.calls.map((call) => (isRepairPrompt(call) ? 'repair' : 'diff'));
    expect(kinds.slice(0, 5)).toEqual(['diff', 'diff', 'diff', 'diff', 'repair']);
    expect(model.calls[4]!.lastUserText).toContain('x = 13');

    // Evaluation order (the store's insertion order with one evaluation slot): the repaired x = 4
    // goes ahead of the diff candidates (x = 6, 7, 8) that were waiting when it was proposed,
    // except the one an idle evaluator had already taken.
    const order = (await store.listPrograms(runId)).map((program) => valueOf(program.files));
    expect(order.slice(0, 3)).toEqual([10, 13, 5]);
    expect(order.indexOf(4)).toBeLessThan(order.indexOf(7));
    expect(order.indexOf(4)).toBeLessThan(order.indexOf(8));
  });

  it('repairs a child left pending by a run that ended first, after resume, without evaluating it again', async () => {
    const store = memoryStore();
    const evaluator = crashingAbove13();
    // The run ends (its one iteration spent) right after the child crashed: the child is left pending.
    const first = await runCollecting({ ...baseOptions(store, evolverModel([13], []), evaluator), iterations: 1, seed: 4, concurrency: { evaluations: 1, window: 1 } });
    expect(first.summary.failures).toEqual({ crash: 1 });
    const crashed = crashedChild(await store.listPrograms(first.runId));

    const model = evolverModel([5], [4]);
    const resumed = await runCollecting({ ...baseOptions(store, model, evaluator), resume: first.runId, iterations: 3, seed: 4, concurrency: { evaluations: 1, window: 1 } });
    expect(resumed.summary.failures).toEqual({});
    expect(resumed.summary.repaired).toBe(1);
    expect(isRepairPrompt(model.calls[0]!)).toBe(true);
    expect(model.calls[0]!.lastUserText).toContain('x = 13 is unlucky');
    const programs = await store.listPrograms(first.runId);
    expect(programs.find((program) => program.parentId === crashed.id)).toMatchObject({ operator: 'repair', status: 'evaluated' });
    expect(new Set(evaluator.log).size).toBe(evaluator.log.length);
    expect(evaluator.log).toHaveLength(programs.length);
  });

  it('survives kill -9 while a crashed child waits for its repair: resume repairs it and evaluates nothing twice', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lamarck-pending-repair-'));
    keepDirectory(directory);
    const script = new URL('./fixtures/pending-repair-run.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, [script, directory], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('repair-waiting')) resolve();
      });
      void exited.then(() => reject(new Error(`the run ended before its repair: ${stdout} ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const runId = /run (\S+)/.exec(stdout)![1]!;

    const store = await openStore({ cwd: directory });
    keep(store);
    const before = await store.listPrograms(runId);
    expect(before.map((program) => valueOf(program.files))).toEqual([10, 13]);
    const evaluator = crashingAbove13();
    const model = evolverModel([5], [4]);
    const resumed = await runCollecting({ ...baseOptions(store, model, evaluator), resume: runId, iterations: 3, seed: 1, concurrency: { evaluations: 1, window: 1 } });
    expect(isRepairPrompt(model.calls[0]!)).toBe(true);
    expect(resumed.summary.failures).toEqual({});
    expect(resumed.summary.repaired).toBe(1);
    const programs = await store.listPrograms(runId);
    expect(programs.find((program) => program.parentId === before[1]!.id)).toMatchObject({ operator: 'repair', status: 'evaluated' });
    // Only the programs made after the resume were evaluated here; none stored before was evaluated again.
    expect(evaluator.log).toHaveLength(programs.length - before.length);
    expect(evaluator.log).not.toContain(hashFiles(before[1]!.files));
  });

  it('scores a pending child as a failure at once when the resumed run has no model', async () => {
    const store = memoryStore();
    const first = await runCollecting({ ...baseOptions(store, evolverModel([13], []), crashingAbove13()), iterations: 1, seed: 5, concurrency: { evaluations: 1, window: 1 } });
    const crashed = crashedChild(await store.listPrograms(first.runId));
    const { models: _models, ...withModel } = baseOptions(store, evolverModel([], []), fakeEvaluator());
    const resumed = await runCollecting({ ...withModel, operators: [tuningOperator()], resume: first.runId, iterations: 3, seed: 5, concurrency: { evaluations: 1, window: 1 } });
    expect(resumed.summary.failures).toEqual({ crash: 1 });
    expect(resumed.events.find((event) => event.type === 'repair-finished')).toMatchObject({ programId: crashed.id, repairId: null, repaired: false });
  });

  it('rebuilds from the store: a stored repair child resolves its pending parent even without a repair-finished event', async () => {
    const store = memoryStore();
    const { runId } = await runCollecting({ ...baseOptions(store, evolverModel([13], []), crashingAbove13()), iterations: 1, seed: 6, concurrency: { evaluations: 1, window: 1 } });
    const crashed = crashedChild(await store.listPrograms(runId));
    const rebuild = async () => {
      const problem = fakeProblem(10, { islands: 1 });
      const settings = parseEngineSettings(problem.settings, problem.features);
      return rebuildDatabase({ store, runId, database: new ProgramDatabase(settings.database), loader: new ProgramLoader({ store, evolvableFiles: [programPath] }) });
    };
    const pending = await rebuild();
    expect(pending.pendingRepairs.map((item) => item.id)).toEqual([crashed.id]);
    expect(pending.failures).toEqual({});

    // A process killed after storing the repair child, before its repair-finished event.
    await store.putProgram({ ...crashed, id: 'prg_repair_of_crash', parentId: crashed.id, operator: 'repair', status: 'evaluated', score: -1, failure: null, files: { [programPath]: crashed.files[programPath]!.replace('x = 13', 'x = 4') } });
    const resolved = await rebuild();
    expect(resolved.pendingRepairs).toEqual([]);
    expect(resolved.repaired).toBe(1);
    expect(resolved.failures).toEqual({});
  });
});
