import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { learnProgressScope } from '../../src/learn/learn-progress.ts';
import { Library } from '../../src/library/library.ts';
import { openStore } from '../../src/store/open-store.ts';
import { temporaryDirectory } from '../library/support.ts';
import { startProtocolServer, type ProtocolReply, type ProtocolServer } from '../support/protocol-server.ts';
import { lessonProposal } from './support.ts';

/**
 * `lamarck learn --resume` after `kill -9`, end to end: the CLI runs in a child process against
 * the protocol server over real HTTP, and is killed with SIGKILL at a point chosen from evidence:
 * the server holds one request unanswered (the gate's attempt for t2's second proposal, after the
 * first was committed), and the kill comes once that request has arrived. The resumed run must not
 * attempt or reflect on any task again, nor commit anything twice, and it makes the same changes as
 * a run that was never interrupted.
 */
const bin = new URL('../../bin/lamarck.js', import.meta.url).pathname;

const taskLines = [
  { id: 't1', prompt: 'Convert 10 celsius to fahrenheit.', verify: { type: 'exact', expected: '50' } },
  { id: 't2', prompt: 'Convert 20 celsius to kelvin.', verify: { type: 'exact', expected: '293.15' } },
  { id: 't3', prompt: 'Convert 30 celsius to fahrenheit.', verify: { type: 'exact', expected: '86' } },
  { id: 't4', prompt: 'Convert 40 celsius to kelvin.', verify: { type: 'exact', expected: '313.15' } },
  { id: 'h1', prompt: 'Name the capital of France.', split: 'holdout', verify: { type: 'exact', expected: 'Paris' } },
];

const answer: ProtocolReply = { toolCalls: [{ name: 'final_answer', input: { answer: 'wrong' } }] };
const reflection = (...proposals: object[]): ProtocolReply => ({ text: JSON.stringify({ rootCause: 'no formula', keyInsight: 'learn it', proposals }) });
const lessons = {
  t1: lessonProposal('fahrenheit-formula', 'Multiply celsius by 9/5, then add 32.'),
  t2a: lessonProposal('kelvin-offset', 'Add 273.15 to celsius for kelvin.'),
  t2b: lessonProposal('keep-decimals', 'Keep both decimals of 273.15.'),
  t3: lessonProposal('fahrenheit-check', 'Check fahrenheit results: 100 celsius gives 212.'),
};

/**
 * Every reply of the whole run, in the order the run asks: per task the attempt and the
 * reflection, then for each proposal the gate's attempt at h1 without it (the library changed
 * since the last one; h1's prompt shares no words with the lessons, so it is not attempted with).
 */
function wholeRun(): { replies: ProtocolReply[]; heldAt: number } {
  const replies = [
    answer, reflection(lessons.t1), answer,
    answer, reflection(lessons.t2a, lessons.t2b), answer, answer,
    answer, reflection(lessons.t3), answer,
    answer, reflection(),
  ];
  // The gate's attempt for t2's second proposal, after the first was committed.
  return { replies, heldAt: 6 };
}

async function runMain(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) => ({ write: (chunk: string | Uint8Array) => (append(chunk.toString()), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(argv, { cwd, env: {}, streams: { stdout: sink((text) => (stdout += text)), stderr: sink((text) => (stderr += text)) } });
  return { code, stdout, stderr };
}

function prepare(cwd: string): void {
  writeFileSync(join(cwd, 'tasks.jsonl'), `${taskLines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  writeFileSync(join(cwd, 'lamarck.config.json'), JSON.stringify({ learn: { consolidateEvery: 0, mirror: false, gate: { holdoutSize: 1 } } }));
}

async function libraryState(cwd: string): Promise<Record<string, number>> {
  const store = await openStore({ cwd });
  try {
    const library = new Library({ store });
    const state: Record<string, number> = {};
    for (const entry of await library.list()) state[entry.name] = (await library.history(entry.kind, entry.name)).length;
    return state;
  } finally {
    await store.close();
  }
}

async function waitFor(condition: () => boolean, what: string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 120_000;
  while (!condition()) {
    if (gone) throw new Error(`the learn process exited before ${what}`);
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('lamarck learn --resume after kill -9', () => {
  let server: ProtocolServer;
  const directories: { remove(): void }[] = [];

  beforeEach(async () => {
    server = await startProtocolServer();
  });

  afterEach(async () => {
    await server.close();
    for (const directory of directories.splice(0)) directory.remove();
  });

  it('skips finished work, never commits twice, refuses a second resumer, and ends with the library an uninterrupted run makes', async () => {
    const model = `openai-compatible:${server.baseURL}#test-model`;
    const { replies, heldAt } = wholeRun();

    // The uninterrupted run, for the figures to compare with.
    const straight = temporaryDirectory('lamarck-learn-straight-');
    directories.push(straight);
    prepare(straight.path);
    server.enqueue(...replies);
    const uninterrupted = await runMain(straight.path, '--json', 'learn', 'tasks.jsonl', '--model', model);
    expect(uninterrupted.stderr).toBe('');
    expect(uninterrupted.code).toBe(0);
    expect(server.pending).toBe(0);
    const uninterruptedCalls = server.requests.length;
    const straightSummary = (JSON.parse(uninterrupted.stdout) as { summary: Record<string, unknown> }).summary;
    expect(straightSummary).toMatchObject({ tasks: 4, committed: 4, modelCalls: uninterruptedCalls });

    // The interrupted run: every reply up to the held one, which is never answered.
    const crashed = temporaryDirectory('lamarck-learn-crashed-');
    directories.push(crashed);
    prepare(crashed.path);
    const before = server.requests.length;
    server.enqueue(...replies.slice(0, heldAt), { delayMs: 600_000, then: replies[heldAt]! });
    const child = spawn(process.execPath, [bin, '--json', 'learn', 'tasks.jsonl', '--model', model], { cwd: crashed.path, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await waitFor(() => server.requests.length - before === heldAt + 1, 'the held request arrived', exited).catch((error: Error) => {
      throw new Error(`${error.message}; stderr: ${stderr}`);
    });

    const listed = JSON.parse((await runMain(crashed.path, '--json', 'runs')).stdout) as { id: string; kind: string; status: string }[];
    const learnRun = listed.find((run) => run.kind === 'learn')!;
    const runId = learnRun.id;
    expect(learnRun.status).toBe('running');
    // While the child is alive and holds the run, a second resumer is refused and calls no model.
    const refused = await runMain(crashed.path, 'learn', '--resume', runId);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`run ${runId} is being worked on by process ${child.pid}`));
    expect(server.requests.length - before).toBe(heldAt + 1);

    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    const firstCalls = server.requests.length - before;
    // Its process is gone, so its lease has expired: the run is shown as interrupted, not running.
    const afterKill = JSON.parse((await runMain(crashed.path, '--json', 'runs')).stdout) as { id: string; status: string }[];
    expect(afterKill.find((run) => run.id === runId)?.status).toBe('interrupted');

    // What the store shows at the kill: t1 finished, t2 reflected with its first proposal decided.
    const store = await openStore({ cwd: crashed.path });
    try {
      const scope = learnProgressScope(runId);
      expect(await store.getState(scope, 'task:t1')).toBeDefined();
      expect(await store.getState(scope, 'task:t2')).toBeUndefined();
      expect(await store.getState(scope, 'pending:t2')).toBeDefined();
      expect(await store.getState(scope, `decision:${runId}:t2#0`)).toMatchObject({ record: { outcome: 'committed-new', version: 1 } });
      expect(await store.getState(scope, `decision:${runId}:t2#1`)).toBeUndefined();
    } finally {
      await store.close();
    }
    expect(await libraryState(crashed.path)).toEqual({ 'fahrenheit-formula': 1, 'kelvin-offset': 1 });

    // The resume gets only the replies the rest of the run needs.
    server.enqueue(...replies.slice(heldAt));
    const resumeStart = server.requests.length;
    const resumed = await runMain(crashed.path, '--json', 'learn', '--resume', runId);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(server.pending).toBe(0);
    const resumedCalls = server.requests.length - resumeStart;
    const report = JSON.parse(resumed.stdout) as { runId: string; summary: Record<string, unknown>; curves: { taskId: string; committed: number }[] };
    expect(report.runId).toBe(runId);
    expect(report.summary).toMatchObject({ tasks: 4, committed: 4, rejected: 0, unchanged: 0, resumedTasks: 1 });
    expect(report.curves.map((point) => [point.taskId, point.committed])).toEqual([['t1', 1], ['t2', 2], ['t3', 1], ['t4', 0]]);
    // No task was attempted or reflected on again: the resumed requests never carry t1's or t2's prompt.
    for (const request of server.requests.slice(resumeStart)) {
      expect(JSON.stringify(request.body)).not.toContain('Convert 10 celsius');
      expect(JSON.stringify(request.body)).not.toContain('Convert 20 celsius');
    }
    // The only call made twice is the one the kill cut off.
    expect(firstCalls + resumedCalls).toBe(uninterruptedCalls + 1);
    // Budgets and the summary count the killed process's calls that were recorded before it died.
    expect(report.summary['modelCalls']).toBe(uninterruptedCalls);

    const crashedLibrary = await libraryState(crashed.path);
    expect(crashedLibrary).toEqual({ 'fahrenheit-check': 1, 'fahrenheit-formula': 1, 'keep-decimals': 1, 'kelvin-offset': 1 });
    expect(crashedLibrary).toEqual(await libraryState(straight.path));
    const runs = JSON.parse((await runMain(crashed.path, '--json', 'runs')).stdout) as { id: string; status: string }[];
    expect(runs.find((run) => run.id === runId)?.status).toBe('finished');
  });

  it('refuses a task file whose tasks changed since the run started, and a run that is not a learn run', async () => {
    const directory = temporaryDirectory('lamarck-learn-changed-');
    directories.push(directory);
    prepare(directory.path);
    const model = `openai-compatible:${server.baseURL}#test-model`;
    // A budget of one call stops the run after its first attempt, so it can be resumed.
    writeFileSync(join(directory.path, 'lamarck.config.json'), JSON.stringify({ budget: { maxCalls: 1 }, learn: { consolidateEvery: 0, mirror: false } }));
    server.enqueue(answer);
    const stopped = await runMain(directory.path, '--json', 'learn', 'tasks.jsonl', '--model', model);
    expect(stopped.code).toBe(0);
    const { runId, summary } = JSON.parse(stopped.stdout) as { runId: string; summary: { stoppedBy?: string } };
    expect(summary.stoppedBy).toMatch(/budget reached: calls/);
    writeFileSync(join(directory.path, 'tasks.jsonl'), `${JSON.stringify({ id: 'other', prompt: 'Something else.' })}\n`);
    const changed = await runMain(directory.path, 'learn', '--resume', runId);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(`are not the ones learn run ${runId} started with`);
    const unknown = await runMain(directory.path, 'learn', '--resume', 'run_does_not_exist');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('learn run not found: run_does_not_exist');
    expect(server.pending).toBe(0);
  });
});
