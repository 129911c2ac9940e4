import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.ts';

let directory: string;
let server: ProtocolServer;

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'lamarck-cli-agent-'));
  server = await startProtocolServer();
});

afterEach(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

async function lamarck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(args, { cwd: directory, env: { SERVICE_TOKEN: 'tok-secret-value-1' }, streams: { stdout, stderr } });
  return { code, stdout: out, stderr: err };
}

describe('lamarck run and lamarck trajectory', () => {
  it('runs a task against a real HTTP model, then shows and exports the trajectory', async () => {
    await writeFile(path.join(directory, 'notes.txt'), 'The launch code is 7.');
    server.enqueue(
      { toolCalls: [{ name: 'read_file', input: { path: 'notes.txt' } }], usage: { inputTokens: 100, outputTokens: 10 } },
      { toolCalls: [{ name: 'final_answer', input: { answer: 'The code is 7.' } }], usage: { inputTokens: 150, outputTokens: 12 } },
    );
    const model = `openai-compatible:${server.baseURL}#test-model`;
    const run = await lamarck(['run', 'What is the launch code in notes.txt?', '--model', model, '--workspace', '.', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { answer: string; trajectoryId: string; runId: string; usage: { inputTokens: number } };
    expect(result.answer).toBe('The code is 7.');
    expect(result.usage.inputTokens).toBe(250);
    expect(server.pending).toBe(0);
    // The second request carried the file's content back to the model as a tool result.
    expect(JSON.stringify(server.requests[1]!.body)).toContain('The launch code is 7.');
    expect(JSON.stringify(server.requests[0]!.body)).toContain('read_file');

    const plain = await lamarck(['trajectory', result.trajectoryId]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`trajectory ${result.trajectoryId}`);
    expect(plain.stdout).toContain('read_file');
    expect(plain.stdout).toContain('answer: ');
    expect(plain.stdout).toMatch(/tool-result\s+read_file \(21 chars\): The launch code is 7\./);

    const byRun = await lamarck(['trajectory', result.runId, '--json']);
    expect(JSON.parse(byRun.stdout)).toMatchObject({ id: result.trajectoryId, status: 'finished' });

    const exported = await lamarck(['trajectory', 'export', '--run', result.runId]);
    const lines = exported.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as { id: string; steps: { type: string }[] };
    expect(record.id).toBe(result.trajectoryId);
    expect(record.steps.map((step) => step.type)).toContain('tool-result');
  });

  it('prints the answer as text and exits 1 without an answer', async () => {
    server.enqueue({ text: 'Paris.' });
    const model = `openai-compatible:${server.baseURL}#test-model`;
    const answered = await lamarck(['run', 'Capital of France?', '--model', model]);
    expect(answered).toMatchObject({ code: 0, stdout: 'Paris.\n' });

    server.enqueue({ toolCalls: [{ name: 'list_files', input: {} }] });
    const stopped = await lamarck(['run', 'List files', '--model', model, '--workspace', '.', '--max-steps', '1']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('no answer: step-limit');
    expect(stopped.stderr).toContain('--resume run_');
  });

  it('stops at the USD budget with a message that says so, and warns when the price is unknown', async () => {
    await writeFile(
      path.join(directory, 'lamarck.config.json'),
      JSON.stringify({ providers: { openai: { apiKey: 'test-key', baseURL: server.baseURL } } }),
    );
    // gpt-5-mini costs $0.25 per million input tokens: one call of a million tokens spends $0.25.
    server.enqueue({ toolCalls: [{ name: 'list_files', input: {} }], usage: { inputTokens: 1_000_000, outputTokens: 0 } });
    const stopped = await lamarck(['run', 'List files', '--model', 'openai:gpt-5-mini', '--workspace', '.', '--max-usd', '0.1']);
    expect(stopped.code).toBe(1);
    expect(server.pending).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(stopped.stderr).toMatch(/^warning: no answer: .*budget.* after 1 steps, 1000000 tokens, \$0\.2500; resume with --resume run_\w+\n$/);

    server.enqueue({ text: 'done' });
    const unpriced = await lamarck(['run', 'hi', '--model', `openai-compatible:${server.baseURL}#test-model`, '--max-usd', '1']);
    expect(unpriced.code).toBe(0);
    expect(unpriced.stderr).toContain('the price of openai-compatible:');
    expect(unpriced.stderr).toContain('is unknown, so the USD budget cannot stop this run');
  });

  it('redacts an API key that comes from lamarck.config.json when a tool echoes it', async () => {
    const key = 'zq-custom-credential-0001';
    await writeFile(
      path.join(directory, 'lamarck.config.json'),
      JSON.stringify({ models: [{ spec: `openai-compatible:${server.baseURL}#test-model`, apiKey: key }] }),
    );
    await writeFile(path.join(directory, 'leak.txt'), `the key is ${key}`);
    server.enqueue(
      { toolCalls: [{ name: 'read_file', input: { path: 'leak.txt' } }] },
      { toolCalls: [{ name: 'final_answer', input: { answer: 'read it' } }] },
    );
    const run = await lamarck(['run', 'Read leak.txt', '--workspace', '.', '--json']);
    expect(run.code).toBe(0);
    // The key did reach the provider as the bearer token, and the file's text went to the model.
    expect(server.requests[0]!.headers['authorization']).toBe(`Bearer ${key}`);
    const exported = await lamarck(['trajectory', 'export']);
    expect(exported.stdout).toContain('the key is [REDACTED]');
    expect(exported.stdout).not.toContain(key);
  });

  it('stops cleanly on Ctrl-C, marking the run stopped so it can be resumed', async () => {
    server.enqueue({ delayMs: 20_000, then: { text: 'too late' } });
    // The source entry, not bin/lamarck.js, which prefers a compiled dist/ that may be older.
    const entry = new URL('../../src/cli/main.ts', import.meta.url).href;
    const script = `const { main } = await import(${JSON.stringify(entry)}); process.exitCode = await main(process.argv.slice(1));`;
    const args = ['run', 'think slowly', '--model', `openai-compatible:${server.baseURL}#test-model`];
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], {
      cwd: directory,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let childExited = false;
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        childExited = true;
        resolve(code);
      }),
    );
    // Ctrl-C once the run is waiting on the model; a busy machine may take long to start Node and
    // load the sources, so the wait is for that event (or the child's end), not for a set time.
    while (server.requests.length === 0) {
      if (childExited) throw new Error(`the model was never called: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/no answer: the run was aborted after 0 steps.*; resume with --resume (run_\w+)/);
    const runId = /--resume (run_\w+)/.exec(stderr)![1]!;
    const store = await openStore({ cwd: directory });
    expect((await store.getRun(runId))?.status).toBe('stopped');
    expect(await store.getState('agent-run', runId)).toMatchObject({ runId, status: 'stopped' });
    await store.close();
  }, 180_000);

  it('explains a missing task or model', async () => {
    const noTask = await lamarck(['run']);
    expect(noTask.code).toBe(1);
    expect(noTask.stderr).toContain('give a task');
    const noModel = await lamarck(['run', 'hello']);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toContain('no model');
  });

  it('connects the MCP servers listed in lamarck.config.json', async () => {
    const stdioServer = fileURLToPath(new URL('../support/mcp-servers/stdio-server.ts', import.meta.url));
    await writeFile(
      path.join(directory, 'lamarck.config.json'),
      JSON.stringify({ mcpServers: { demo: { command: process.execPath, args: [stdioServer] } } }),
    );
    server.enqueue(
      { toolCalls: [{ name: 'demo__add', input: { a: 20, b: 22 } }] },
      { toolCalls: [{ name: 'final_answer', input: { answer: 'The sum is 42.' } }] },
    );
    const run = await lamarck(['run', 'Add 20 and 22 with the demo server', '--model', `openai-compatible:${server.baseURL}#test-model`]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('The sum is 42.\n');
    expect(JSON.stringify(server.requests[0]!.body)).toContain('demo__add');
    expect(JSON.stringify(server.requests[1]!.body)).toContain('42');
  });

  it('names the field of an invalid MCP server entry', async () => {
    await writeFile(path.join(directory, 'lamarck.config.json'), JSON.stringify({ mcpServers: { bad: { args: ['x'] } } }));
    const run = await lamarck(['run', 'hi', '--model', `openai-compatible:${server.baseURL}#test-model`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('mcpServers.bad');
  });
});
