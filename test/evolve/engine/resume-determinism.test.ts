import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../../src/core/clock.ts';
import { evolve } from '../../../src/evolve/evolve.ts';
import type { Evaluator } from '../../../src/evolve/types.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { Store } from '../../../src/store/types.ts';
import type { EvolveSummary } from '../../../src/evolve/engine/events.ts';
import { readModelRoute } from '../../../src/learn/model-routes.ts';
import { Library } from '../../../src/library/library.ts';
import { fakeEvaluator, programPath } from './fakes.ts';
import { seededIterations, seededRouteBook, seededRunOptions, type SeededRunKind } from './fixtures/seeded-run.ts';
import { closeAfterEach } from './test-resources.ts';

/**
 * A seeded run killed with SIGKILL and resumed gives the same candidates (their attempt numbers,
 * parents and code) and scores, in the same order, as the run that was never interrupted, with one
 * evaluation slot or three. The kill point
 * comes from what the killed process reports, never from a timer: either once an evaluation hangs
 * (by then it has proposed candidates, and evaluated some, that it never applied, and its random
 * stream and the tuner's state have moved past what the store holds), or as soon as it reports its
 * sixth applied attempt, while it is still writing (the hang later on only keeps it from finishing),
 * or once the write of a record hangs, after the checkpoint that holds it.
 */
const { keep, keepDirectory } = closeAfterEach();
const killedRun = new URL('./fixtures/seeded-killed-run.ts', import.meta.url).pathname;

type Step = [id: string, parentId: string | null, code: string, status: string, score: number | null];

/** A seeded run names a program by its run and attempt number: the attempt number is what two runs share. */
function attemptOf(programId: string): string {
  return /^prg_\w+_(\d{6})$/.exec(programId)?.[1] ?? programId;
}

async function stepsOf(store: Store, runId: string): Promise<Step[]> {
  return (await store.listPrograms(runId)).map((program) => [
    attemptOf(program.id),
    program.parentId === null ? null : attemptOf(program.parentId),
    program.files[programPath]!,
    program.status,
    program.score,
  ]);
}

async function storeIn(directory: string): Promise<Store> {
  return keep(await openStore({ cwd: directory }));
}

const summaries = new Map<string, EvolveSummary>();

async function finish(store: Store, evaluations: number, kind: SeededRunKind, evaluator: Evaluator, resume?: string, clock?: Clock): Promise<string> {
  const handle = evolve({ ...seededRunOptions(evaluations, kind), store, evaluator, routeBook: seededRouteBook(store, kind), ...(resume === undefined ? {} : { resume }), ...(clock === undefined ? {} : { clock }) });
  const summary = await handle.result;
  expect(summary.status).toBe('finished');
  summaries.set(summary.runId, summary);
  return handle.runId;
}

/** What the cascade learned, as the library keeps it. */
async function routesIn(store: Store): Promise<unknown> {
  return readModelRoute(new Library({ store }), 'evolve-llm-sampled');
}

/** Runs the child until it prints `signal`, then kills it; returns its run id. */
async function killOn(signal: string, directory: string, evaluations: number, stallOn: string, kind: SeededRunKind): Promise<string> {
  const child = spawn(process.execPath, [killedRun, directory, String(evaluations), '13', stallOn, kind], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes(`${signal}\n`)) resolve();
    });
    void exited.then(() => reject(new Error(`the run ended before it stalled: ${stdout} ${stderr}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return /run (\S+)/.exec(stdout)![1]!;
}

describe('a seeded run killed with SIGKILL and resumed', () => {
  it.each<SeededRunKind>(['tuner', 'model'])('is compared with a reference that is the same with 1 and 3 evaluation slots (%s)', async (kind) => {
    const one = await storeIn(keepDirectory(mkdtempSync(join(tmpdir(), 'lamarck-seeded-one-'))));
    const three = await storeIn(keepDirectory(mkdtempSync(join(tmpdir(), 'lamarck-seeded-three-'))));
    expect(await stepsOf(three, await finish(three, 3, kind, fakeEvaluator()))).toEqual(await stepsOf(one, await finish(one, 1, kind, fakeEvaluator())));
  });

  it.each<[number, string, string, SeededRunKind]>([
    [1, 'stalled', 'evaluation', 'tuner'],
    [3, 'stalled', 'evaluation', 'tuner'],
    [1, 'applied 6', 'evaluation', 'tuner'],
    [3, 'applied 6', 'evaluation', 'tuner'],
    // Killed after the checkpoint of an applied result was written and before its record: the resumed run writes it.
    [3, 'stalled', 'record', 'tuner'],
    // A deterministic scripted model beside the tuner: the model bandit, hybrid bursts and insights are resumed too.
    [1, 'stalled', 'evaluation', 'model'],
    [3, 'applied 6', 'evaluation', 'model'],
    // A cheap model escalated to a strong one until the model operator is routed to it: the routes are resumed too.
    [1, 'stalled', 'evaluation', 'cascade'],
    [3, 'applied 6', 'evaluation', 'cascade'],
  ])('gives the uninterrupted run\'s sequence of candidates and scores (%i evaluation slots, killed on "%s", stalling at: %s, %s)', async (evaluations, signal, stallOn, kind) => {
    const reference = await storeIn(keepDirectory(mkdtempSync(join(tmpdir(), 'lamarck-seeded-reference-'))));
    const referenceRun = await finish(reference, evaluations, kind, fakeEvaluator());
    const expected = await stepsOf(reference, referenceRun);
    expect(expected).toHaveLength(seededIterations + 1);
    expect(new Set(expected.map(([, , code]) => code)).size).toBeGreaterThan(seededIterations / 2);

    const directory = keepDirectory(mkdtempSync(join(tmpdir(), 'lamarck-seeded-killed-')));
    const runId = await killOn(signal, directory, evaluations, stallOn, kind);
    const store = await storeIn(directory);
    const beforeResume = await stepsOf(store, runId);
    // Killed mid-run: part of the sequence is stored, and what is stored is the sequence's start.
    expect(beforeResume.length).toBeGreaterThan(3);
    expect(beforeResume.length).toBeLessThan(seededIterations);
    expect(beforeResume).toEqual(expected.slice(0, beforeResume.length));

    // Resumed an hour later: the candidates it took back from the window waited for a slot only since it started.
    const hourLater: Clock = { now: () => Date.now() + 3_600_000, sleep: systemClock.sleep };
    await finish(store, evaluations, kind, fakeEvaluator(), runId, hourLater);
    expect(await stepsOf(store, runId)).toEqual(expected);
    if (kind === 'cascade') {
      // The same proposals escalated and routed, the same saving, and the same routes in the library.
      const cascade = summaries.get(referenceRun)!.cascade!;
      expect(cascade.escalated).toBeGreaterThan(0);
      expect(cascade.routedStrong).toBeGreaterThan(0);
      expect(summaries.get(runId)!.cascade).toEqual(cascade);
      expect(await routesIn(store)).toEqual(await routesIn(reference));
      expect(await routesIn(reference)).toMatchObject({ route: 'strong' });
    }
    for (const program of await store.listPrograms(runId)) expect(program.timing.queuedMs).toBeLessThan(600_000);
  });
});
