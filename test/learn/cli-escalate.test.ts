import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.ts';
import { temporaryDirectory } from '../library/support.ts';

async function lamarck(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const streams = {
    stdout: { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (text: string) => ((stderr += text), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await main(argv, { cwd, env: {}, streams });
  return { code, stdout, stderr };
}

describe('lamarck learn --escalate', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let server: ProtocolServer;

  beforeEach(async () => {
    directory = temporaryDirectory('lamarck-learn-escalate-');
    server = await startProtocolServer();
  });

  afterEach(async () => {
    await server.close();
    directory.remove();
  });

  it('retries a failed task with the strong model, reports the cascade in the summary, and records the model in the run', async () => {
    const cwd = directory.path;
    writeFileSync(join(cwd, 'tasks.jsonl'), `${JSON.stringify({ id: 's1', prompt: 'Add 17 and 25.', tags: ['sums'], verify: { type: 'exact', expected: '42' } })}\n`);
    server.enqueue(
      { toolCalls: [{ name: 'final_answer', input: { answer: '41' } }], usage: { inputTokens: 100, outputTokens: 5 } },
      { toolCalls: [{ name: 'final_answer', input: { answer: '42' } }], usage: { inputTokens: 100, outputTokens: 5 } },
      { text: JSON.stringify({ rootCause: '', keyInsight: '', proposals: [] }) },
    );
    const cheap = `openai-compatible:${server.baseURL}#cheap`;
    const strong = `openai-compatible:${server.baseURL}#strong`;
    const result = await lamarck(cwd, '--json', 'learn', 'tasks.jsonl', '--model', cheap, '--escalate', strong);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { runId: string; summary: { passed: number; cascade: Record<string, unknown> }; curves: Array<{ cascade?: Record<string, unknown> }> };
    expect(report.summary.passed).toBe(1);
    expect(report.summary.cascade).toMatchObject({ tasks: 1, passed: 1, cheap: 0, escalated: 1, routedStrong: 0 });
    expect(report.curves[0]!.cascade).toMatchObject({ taskKind: 'sums', used: 'escalated', reason: 'verifier-failed' });
    // The cheap model acted, the strong one acted again, and the learner (the cheap model) reflected.
    expect(server.requests.map((request) => (request.body as { model?: unknown }).model)).toEqual(['cheap', 'strong', 'cheap']);
    // The run records the strong model, so --resume escalates to the same one.
    const store = await openStore({ cwd });
    expect((await store.getRun(report.runId))?.config['escalate']).toBe(strong);
    await store.close();
    const route = await lamarck(cwd, '--json', 'library', 'prompts', 'show', 'model-route-sums');
    expect(route.code).toBe(0);
    expect(route.stdout).toContain('cheapFailures');
  });
});
