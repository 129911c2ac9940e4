import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.ts';

let directory: string;
let server: ProtocolServer;

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'lamarck-cli-escalate-'));
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
  const code = await main(args, { cwd: directory, env: {}, streams: { stdout, stderr } });
  return { code, stdout: out, stderr: err };
}

const requestedModel = (index: number): unknown => (server.requests[index]!.body as { model?: unknown }).model;

describe('lamarck run --escalate', () => {
  it('runs the task again with the strong model when the first refuses, and reports both runs', async () => {
    server.enqueue(
      { toolCalls: [{ name: 'final_answer', input: { answer: "I can't work that out." } }], usage: { inputTokens: 100, outputTokens: 10 } },
      { toolCalls: [{ name: 'final_answer', input: { answer: '42' } }], usage: { inputTokens: 120, outputTokens: 5 } },
    );
    const cheap = `openai-compatible:${server.baseURL}#cheap`;
    const strong = `openai-compatible:${server.baseURL}#strong`;
    const run = await lamarck(['run', 'What is six times seven?', '--model', cheap, '--escalate', strong, '--no-library', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { answer: string; runId: string; usage: { inputTokens: number; modelCalls: number }; escalation: { from: string; to: string; reason: string; firstRunId: string } };
    expect(result.answer).toBe('42');
    expect([requestedModel(0), requestedModel(1)]).toEqual(['cheap', 'strong']);
    expect(result.usage).toMatchObject({ inputTokens: 220, modelCalls: 2 });
    expect(result.escalation).toMatchObject({ from: cheap, to: strong, reason: 'refused' });
    expect(result.escalation.firstRunId).not.toBe(result.runId);
    expect(server.pending).toBe(0);
  });

  it('reports the cost against always-strong: the same tokens at the strong price when the first model answered, the wasted first run when it escalated', async () => {
    const prices = { cheap: { inputPerMillion: 1, outputPerMillion: 1 }, strong: { inputPerMillion: 20, outputPerMillion: 20 } };
    await writeFile(path.join(directory, 'lamarck.config.json'), JSON.stringify({ model: `openai-compatible:${server.baseURL}#cheap`, escalate: `openai-compatible:${server.baseURL}#strong`, prices }));
    server.enqueue({ toolCalls: [{ name: 'final_answer', input: { answer: '42' } }], usage: { inputTokens: 100, outputTokens: 5 } });
    const answered = await lamarck(['run', 'What is six times seven?', '--no-library']);
    expect(answered.code).toBe(0);
    // stdout stays the answer; the cascade line goes to stderr.
    expect(answered.stdout).toBe('42\n');
    expect(answered.stderr).toContain('cascade: the first model answered; cost $0.0001; always-strong would have cost about $0.0021, saved about $0.0020');

    server.enqueue(
      { toolCalls: [{ name: 'final_answer', input: { answer: "I can't work that out." } }], usage: { inputTokens: 100, outputTokens: 10 } },
      { toolCalls: [{ name: 'final_answer', input: { answer: '42' } }], usage: { inputTokens: 120, outputTokens: 5 } },
    );
    const escalated = await lamarck(['run', 'What is six times seven?', '--no-library', '--json']);
    expect(escalated.code).toBe(0);
    const result = JSON.parse(escalated.stdout) as { cascade: { used: string; costUsd: number; alwaysStrongEstimateUsd: number; savedEstimateUsd: number } };
    const firstCost = 110 / 1_000_000;
    const strongCost = (125 * 20) / 1_000_000;
    expect(result.cascade.used).toBe('escalated');
    expect(result.cascade.costUsd).toBeCloseTo(firstCost + strongCost, 12);
    expect(result.cascade.alwaysStrongEstimateUsd).toBeCloseTo(strongCost, 12);
    expect(result.cascade.savedEstimateUsd).toBeCloseTo(-firstCost, 12);
    expect(server.pending).toBe(0);
  });

  it('keeps the first model\'s answer when it does not refuse, and reads the strong model from the config', async () => {
    server.enqueue({ toolCalls: [{ name: 'final_answer', input: { answer: '42' } }], usage: { inputTokens: 100, outputTokens: 5 } });
    await writeFile(path.join(directory, 'lamarck.config.json'), JSON.stringify({ model: `openai-compatible:${server.baseURL}#cheap`, escalate: `openai-compatible:${server.baseURL}#strong` }));
    const run = await lamarck(['run', 'What is six times seven?', '--no-library', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { answer: string; escalation?: unknown };
    expect(result.answer).toBe('42');
    expect(result.escalation).toBeUndefined();
    expect(server.requests).toHaveLength(1);
    expect(requestedModel(0)).toBe('cheap');
  });
});
