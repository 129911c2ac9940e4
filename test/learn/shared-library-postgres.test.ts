import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/core/json.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store, StoredEvent } from '../../src/store/types.ts';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres/test-database.ts';

/**
 * One library, many agents: two real `lamarck learn` processes, started together on one PostgreSQL
 * store, both proposing versions of the same lesson. However their commits interleave, every
 * proposal one of them reports committed is a version in the store, the versions form one line
 * (each made on the head before it: no update was written over another), and every other proposal
 * ended with a reason. Judged from the store and the runs' events, not from timing.
 */
const lessonName = 'shared-lesson';
let database: TestDatabase;
let url: string;
const servers: ProtocolServer[] = [];
const directories: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  url = `${database.url}?schema=shared_library`;
});

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  await database?.drop();
});

/** A learner process's own model servers and directory: three tasks the agent gets wrong, three reflections on one lesson. */
async function prepareLearner(label: string): Promise<{ cwd: string; args: string[] }> {
  const agent = await startProtocolServer();
  const learner = await startProtocolServer();
  servers.push(agent, learner);
  const cwd = mkdtempSync(join(tmpdir(), `lamarck-shared-${label}-`));
  directories.push(cwd);
  writeFileSync(join(cwd, 'lamarck.config.json'), JSON.stringify({ learn: { consolidateEvery: 0, gate: { holdoutSize: 0 } } }));
  const task = (id: string, prompt: string, expected: string) => JSON.stringify({ id, prompt, verify: { type: 'exact', expected } });
  writeFileSync(join(cwd, 'tasks.jsonl'), [task('t1', 'Add 2 and 2.', '4'), task('t2', 'Add 5 and 5.', '10'), task('t3', 'Add 1 and 1.', '2'), ''].join('\n'));
  // More replies than the run can use: how many it takes depends on what the other process committed first.
  agent.enqueue(...Array.from({ length: 30 }, () => ({ text: '0', usage: { inputTokens: 50, outputTokens: 2 } })));
  const lesson = (op: 'add' | 'update', step: number) => ({
    op,
    kind: 'lesson',
    name: lessonName,
    content: { title: 'Adding', text: `Learner ${label}, step ${step}: add the numbers digit by digit.`, type: 'strategy', when: 'adding numbers', tags: ['arithmetic'] },
  });
  learner.enqueue(
    ...[lesson('add', 1), lesson('update', 2), lesson('update', 3)].map((proposal) => ({
      text: JSON.stringify({ rootCause: 'arithmetic slip', keyInsight: 'add carefully', proposals: [proposal] }),
    })),
    ...Array.from({ length: 10 }, () => ({ text: JSON.stringify({ rootCause: 'none', keyInsight: 'none', proposals: [] }) })),
  );
  return {
    cwd,
    args: ['--json', 'learn', 'tasks.jsonl', '--model', `openai-compatible:${agent.baseURL}#agent`, '--learner', `openai-compatible:${learner.baseURL}#learner`, '--store', url],
  };
}

function runCli(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = new URL('../evolve/cli/run-cli.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function proposalEvents(events: StoredEvent[]): StoredEvent[] {
  return events.filter((event) => ['proposal-committed', 'proposal-rejected', 'proposal-unchanged'].includes(event.type));
}

describe('two lamarck learn processes on one PostgreSQL library', () => {
  it('lose no update: every committed proposal is a version, the versions form one line, the rest have reasons', async () => {
    const left = await prepareLearner('left');
    const right = await prepareLearner('right');
    const [leftResult, rightResult] = await Promise.all([runCli(left.cwd, left.args), runCli(right.cwd, right.args)]);
    expect(leftResult.code, leftResult.stderr).toBe(0);
    expect(rightResult.code, rightResult.stderr).toBe(0);

    const store: Store = await openStore({ cwd: left.cwd, url });
    try {
      const runs = await store.listRuns({ kind: 'learn' });
      expect(runs).toHaveLength(2);
      const events = (await Promise.all(runs.map((run) => store.listEvents(run.id)))).flat();
      const decided = proposalEvents(events);
      const committed = decided.filter((event) => event.type === 'proposal-committed');
      // Six proposals (three per process), each decided exactly once.
      expect(decided).toHaveLength(6);
      for (const event of decided.filter((each) => each.type !== 'proposal-committed')) {
        expect(String(event.data['reason'] ?? '').length).toBeGreaterThan(0);
      }

      const artifact = await store.findArtifact('lesson', lessonName);
      expect(artifact).toBeDefined();
      const versions = await store.listVersions(artifact!.id);
      // No update lost: one version per reported commit, numbered 1..n with none reported twice.
      expect(committed.length).toBeGreaterThanOrEqual(1);
      expect(versions).toHaveLength(committed.length);
      expect(committed.map((event) => event.data['version']).sort()).toEqual(versions.map((version) => version.number).sort());
      // One line: each version was made on the head before it, never beside it.
      for (let index = 1; index < versions.length; index += 1) {
        expect(versions[index]!.parentIds[0]).toBe(versions[index - 1]!.id);
      }
      expect(artifact!.headVersionId).toBe(versions.at(-1)!.id);
      // Each version says which run committed it, and each run's commits are all there.
      for (const run of runs) {
        const byRun = versions.filter((version) => (version.evaluation as JsonObject)['runId'] === run.id).length;
        const reported = committed.filter((event) => event.runId === run.id).length;
        expect(byRun).toBe(reported);
      }
    } finally {
      await store.close();
    }
  }, 240_000);
});
