import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
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

describe('lamarck learn', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let server: ProtocolServer;

  beforeEach(async () => {
    directory = temporaryDirectory('lamarck-learn-cli-');
    server = await startProtocolServer();
  });

  afterEach(async () => {
    await server.close();
    directory.remove();
  });

  it('learns from a task stream against an OpenAI-compatible server and prints the curves as JSON', async () => {
    const cwd = directory.path;
    writeFileSync(
      join(cwd, 'tasks.jsonl'),
      `${JSON.stringify({ id: 'c1', prompt: 'Convert 100 degrees fahrenheit to celsius.', verify: { type: 'regex', pattern: '^37\\.8' } })}\n`,
    );
    const lesson = { op: 'add', kind: 'lesson', name: 'fahrenheit-to-celsius', content: { title: 'F to C', text: 'Subtract 32, then multiply by 5/9.', type: 'strategy', when: 'temperature conversion', tags: [] } };
    server.enqueue(
      { toolCalls: [{ name: 'final_answer', input: { answer: '38' } }] },
      { text: JSON.stringify({ rootCause: 'wrong formula', keyInsight: 'use the formula', proposals: [lesson] }) },
    );
    const model = `openai-compatible:${server.baseURL}#test-model`;
    const result = await lamarck(cwd, '--json', 'learn', 'tasks.jsonl', '--model', model, '--export-pairs', 'pairs.jsonl');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { summary: Record<string, unknown>; curves: Record<string, unknown>[] };
    expect(report.summary).toMatchObject({ tasks: 1, passed: 0, committed: 1, rejected: 0, librarySize: 1, exports: { pairs: 0 } });
    expect(report.curves[0]).toMatchObject({ taskId: 'c1', passed: false, newArtifacts: 1, verdictSource: 'verifier' });
    expect(server.pending).toBe(0);
    expect(readFileSync(join(cwd, '.lamarck', 'library', 'lessons', 'fahrenheit-to-celsius.md'), 'utf8')).toContain('Subtract 32');
    expect(readFileSync(join(cwd, 'pairs.jsonl'), 'utf8')).toBe('');
    const runs = await lamarck(cwd, '--json', 'runs');
    expect(runs.stdout).toContain('"learn"');
    const shown = await lamarck(cwd, 'library', 'lessons', 'history', 'fahrenheit-to-celsius');
    expect(shown.stdout).toContain('v1 (head)');

    // A later `lamarck run` on a related task sees the learned lesson; an unrelated one and a run
    // with --no-library do not.
    server.enqueue({ text: '10' }, { text: 'Paris' }, { text: '10' });
    const related = await lamarck(cwd, 'run', 'Convert 50 degrees fahrenheit to celsius.', '--model', model);
    expect(related).toMatchObject({ code: 0, stdout: '10\n' });
    const unrelated = await lamarck(cwd, 'run', 'What is the capital of France?', '--model', model);
    expect(unrelated.code).toBe(0);
    const without = await lamarck(cwd, 'run', 'Convert 50 degrees fahrenheit to celsius.', '--model', model, '--no-library');
    expect(without.code).toBe(0);
    const bodies = server.requests.slice(-3).map((request) => JSON.stringify(request.body));
    expect(bodies[0]).toContain('Subtract 32');
    expect(bodies[1]).not.toContain('Subtract 32');
    expect(bodies[2]).not.toContain('Subtract 32');
  });

  it('names the line and field of an invalid task, and asks for a model when none is configured', async () => {
    const cwd = directory.path;
    writeFileSync(join(cwd, 'bad.jsonl'), '{"id":"a","prompt":"x"}\n{"id":"b"}\n');
    const bad = await lamarck(cwd, 'learn', 'bad.jsonl', '--model', 'ollama:qwen2.5');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('line 2: prompt');
    writeFileSync(join(cwd, 'good.jsonl'), '{"id":"a","prompt":"x"}\n');
    const noModel = await lamarck(cwd, 'learn', 'good.jsonl');
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toContain('no model: pass --model');
  });

  it('refuses a task file with bad lines before calling any model, listing every bad line', async () => {
    const cwd = directory.path;
    writeFileSync(
      join(cwd, 'tasks.jsonl'),
      ['{"id":"a","prompt":"Fine."}', '{"id":"b","prompt":"   "}', '{"prompt":"no id"}', '{"id":"c","prompt":"x","verify":{"type":"regex","pattern":"("}}', '{oops'].join('\n'),
    );
    const result = await lamarck(cwd, 'learn', 'tasks.jsonl', '--model', `openai-compatible:${server.baseURL}#test-model`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tasks\.jsonl: line 2: prompt: must not be empty or only whitespace, got " {3}"; line 3: id: required; line 4: verify\.pattern: not a valid regular expression, got "\("; line 5: not valid JSON/);
    expect(server.requests).toHaveLength(0);
    const help = await lamarck(cwd, 'learn', '--help');
    expect(help.stdout).toContain('a file with a bad line');
  });

  it('reports a reflection that is not JSON as a failed step, goes on, and counts it in the summary', async () => {
    const cwd = directory.path;
    writeFileSync(
      join(cwd, 'tasks.jsonl'),
      [
        JSON.stringify({ id: 'c1', prompt: 'Convert 100 degrees fahrenheit to celsius.', verify: { type: 'regex', pattern: '^37\\.8' } }),
        JSON.stringify({ id: 'c2', prompt: 'Convert 50 degrees fahrenheit to celsius.', verify: { type: 'regex', pattern: '^10' } }),
      ].join('\n'),
    );
    server.enqueue(
      { toolCalls: [{ name: 'final_answer', input: { answer: '38' } }] },
      { text: 'The agent rounded too early.' },
      { text: 'Sorry, I cannot produce JSON.' },
      { toolCalls: [{ name: 'final_answer', input: { answer: '10' } }] },
      { text: JSON.stringify({ rootCause: '', keyInsight: '', proposals: [] }) },
    );
    const result = await lamarck(cwd, 'learn', 'tasks.jsonl', '--model', `openai-compatible:${server.baseURL}#test-model`);
    expect(result.code).toBe(0);
    expect(server.pending).toBe(0);
    expect(result.stderr).toContain('c1: reflect failed (');
    expect(result.stderr).toContain('invalid structured output twice');
    expect(result.stdout).toMatch(/c1 +no .* reflect\n/);
    expect(result.stdout).toMatch(/1\/2 passed; 0 changes committed, 0 rejected, 0 unchanged; failed steps: 1 reflect;/);
    const runs = JSON.parse((await lamarck(cwd, '--json', 'runs')).stdout) as { kind: string; status: string; summary: Record<string, unknown> }[];
    const run = runs.find((candidate) => candidate.kind === 'learn')!;
    expect(run.status).toBe('finished');
    expect(run.summary['failedSteps']).toEqual({ reflect: { count: 1, latest: expect.stringContaining('invalid structured output twice') } });
  });
});
