import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { parseTaskStream } from '../../src/learn/task-stream.ts';
import { startProtocolServer, type ProtocolReply, type ProtocolServer } from '../support/protocol-server.ts';
import { temporaryDirectory } from '../library/support.ts';
import { createLeveledAgent, createSumWriter, sumPrompt, sumTerms } from './curriculum-scripted.ts';

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

function firstUserText(body: Record<string, unknown>): string {
  const user = (body['messages'] as Array<{ role: string; content: unknown }>).find((message) => message.role === 'user');
  return typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
}

function sumTask(id: string, addends: number): string {
  const prompt = sumPrompt(addends, addends);
  return JSON.stringify({ id, prompt, tags: ['sums'], verify: { type: 'exact', expected: String(sumTerms(prompt)!.reduce((sum, value) => sum + value, 0)) } });
}

describe('lamarck curriculum --from-gaps, then lamarck learn (over HTTP)', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let server: ProtocolServer;

  beforeEach(async () => {
    directory = temporaryDirectory('lamarck-curriculum-gaps-');
    server = await startProtocolServer();
  });

  afterEach(async () => {
    await server.close();
    directory.remove();
  });

  it('aims tasks at the failure cluster a learn run left, keeps those the agent solves about half the time, and learn runs them as self-generated', async () => {
    const cwd = directory.path;
    const spec = (model: string): string => `openai-compatible:${server.baseURL}#${model}`;
    // One agent (it solves a sum of 3 numbers 2 of 4 tries, of 5 never), one learner, one writer,
    // told apart by the model each request names.
    const agent = createLeveledAgent(3);
    const write = createSumWriter([2, 7]);
    const noProposals = JSON.stringify({ rootCause: '', keyInsight: '', proposals: [] });
    const reply: ProtocolReply = {
      respond: (body) => {
        const model = String(body['model']);
        if (model === 'agent') return { toolCalls: [{ name: 'final_answer', input: { answer: agent(firstUserText(body)) } }] };
        if (model === 'writer') return { text: JSON.stringify(write(firstUserText(body))) };
        return { text: noProposals };
      },
    };
    const replies = (count: number): void => server.enqueue(...Array.from({ length: count }, () => reply));

    writeFileSync(join(cwd, 'tasks.jsonl'), ['sum-2', 'sum-3', 'sum-5', 'sum-6'].map((id) => sumTask(id, Number(id.slice(4)))).join('\n') + '\n');
    replies(4 + 4);
    const first = await lamarck(cwd, '--json', 'learn', 'tasks.jsonl', '--model', spec('agent'), '--learner', spec('learner'));
    expect(first.stderr).toBe('');
    expect((JSON.parse(first.stdout) as { curves: Array<{ passed: boolean }> }).curves.map((point) => point.passed)).toEqual([true, true, false, false]);
    expect(server.pending).toBe(0);

    // Round 1: a sum of 2 (3 of 4: kept) and of 7 (never: too hard); round 2, an easier variant, 5
    // (never); round 3, 3 numbers (2 of 4: kept). Three batches, four tries at each of four tasks.
    replies(3 + 16);
    const written = await lamarck(cwd, '--json', 'curriculum', '--from-gaps', '--count', '2', '--model', spec('writer'), '--agent', spec('agent'), '--out', 'generated.jsonl');
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    expect(server.pending).toBe(0);
    const report = JSON.parse(written.stdout) as Record<string, unknown>;
    expect(report['gaps']).toEqual([expect.objectContaining({ id: 'failures-sums', type: 'failure-cluster', kind: 'sums', failed: 2, attempted: 4 })]);
    expect(report).toMatchObject({ generated: 4, kept: 2, shareKept: 0.5, batches: 3, stopped: null });
    expect(report['tasks']).toEqual([
      { id: 'sums-generated-1', target: 'failures-sums', successRate: 0.75, passes: 3, tries: 4 },
      { id: 'sums-generated-4', target: 'failures-sums', successRate: 0.5, passes: 2, tries: 4 },
    ]);
    expect(report['calibration']).toEqual({ tries: 4, low: 0.25, high: 0.75, measured: 4, tooEasy: 0, tooHard: 2, measuredSuccessRate: 5 / 16, keptSuccessRate: 5 / 8 });
    expect((report['dropped'] as Array<{ reason: string }>).map((drop) => drop.reason)).toEqual(['too hard: the agent solved it 0 of 4 times', 'too hard: the agent solved it 0 of 4 times']);
    // The writer was shown the gap: the failed sums, as the store holds them.
    const asked = server.requests.filter((request) => request.body['model'] === 'writer').map((request) => firstUserText(request.body));
    expect(asked[0]).toContain('Tasks of the kind "sums", which the agent keeps failing: 2 of 4 such tasks still fail.');
    expect(asked[0]).toContain(`- ${sumPrompt(5, 5)}`);
    expect(asked[1]).toContain('Write easier variants of them:');
    const generated = parseTaskStream(readFileSync(join(cwd, 'generated.jsonl'), 'utf8'));
    expect(generated.map((task) => [task.id, task.tags, task.gap])).toEqual([
      ['sums-generated-1', ['sums', 'self-generated'], 'failures-sums'],
      ['sums-generated-4', ['sums', 'self-generated'], 'failures-sums'],
    ]);

    replies(2 + 2);
    const second = await lamarck(cwd, '--json', 'learn', 'generated.jsonl', '--model', spec('agent'), '--learner', spec('learner'));
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const curve = (JSON.parse(second.stdout) as { curves: Array<{ taskId: string; selfGenerated?: boolean; gap?: string }> }).curves;
    expect(curve.map((point) => [point.taskId, point.selfGenerated, point.gap])).toEqual([
      ['sums-generated-1', true, 'failures-sums'],
      ['sums-generated-4', true, 'failures-sums'],
    ]);
    expect(server.pending).toBe(0);
  });

  it('says in text which target each kept task aims at, how often the agent solved it, and the kept tasks\' success against 0.5', async () => {
    const cwd = directory.path;
    const agent = createLeveledAgent(3);
    const write = createSumWriter([3, 2]);
    server.enqueue(
      { respond: (body) => ({ text: JSON.stringify(write(firstUserText(body))) }) },
      ...Array.from({ length: 8 }, (): ProtocolReply => ({ respond: (body) => ({ toolCalls: [{ name: 'final_answer', input: { answer: agent(firstUserText(body)) } }] }) })),
    );
    const spec = (model: string): string => `openai-compatible:${server.baseURL}#${model}`;
    const result = await lamarck(cwd, 'curriculum', 'sums of several numbers', '--tag', 'sums', '--count', '2', '--model', spec('writer'), '--agent', spec('agent'), '--out', 'sums.jsonl');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(server.pending).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'kept sums-generated-1 for domain-sums, the agent solved it 2 of 4 times',
      'kept sums-generated-2 for domain-sums, the agent solved it 3 of 4 times',
      expect.stringMatching(/^2 of 2 tasks kept in 1 batches, written to .*sums\.jsonl; the agent's success on them 0\.63 \(target 0\.5, band 0\.25-0\.75\); cost \$0\.0+$/),
      '',
    ]);
    // The run is recorded: `lamarck runs` lists it with its counts.
    const runs = await lamarck(cwd, '--json', 'runs');
    const [run] = JSON.parse(runs.stdout) as Array<{ kind: string; name: string; status: string; summary: Record<string, unknown>; config: unknown }>;
    expect(run).toMatchObject({ kind: 'curriculum', name: 'sums of several numbers', status: 'finished', summary: { generated: 2, kept: 2, dropped: 0, calls: 9 } });
    expect((await lamarck(cwd, 'runs')).stdout).toMatch(/curriculum\s+finished .* sums of several numbers {2}2 of 2 tasks kept\n/);
  });

  it('counts the agent\'s tries against the configured budget and writes what was measured when it runs out', async () => {
    const cwd = directory.path;
    writeFileSync(join(cwd, 'lamarck.config.json'), JSON.stringify({ budget: { maxCalls: 5 } }));
    const agent = createLeveledAgent(3);
    const write = createSumWriter([3, 2]);
    // The writer's call and 4 tries at the first sum; the first try at the second is refused.
    server.enqueue(
      { respond: (body) => ({ text: JSON.stringify(write(firstUserText(body))) }) },
      ...Array.from({ length: 4 }, (): ProtocolReply => ({ respond: (body) => ({ toolCalls: [{ name: 'final_answer', input: { answer: agent(firstUserText(body)) } }] }) })),
    );
    const spec = (model: string): string => `openai-compatible:${server.baseURL}#${model}`;
    const result = await lamarck(cwd, '--json', 'curriculum', 'sums', '--tag', 'sums', '--count', '2', '--model', spec('writer'), '--agent', spec('agent'), '--out', 'sums.jsonl');
    expect(result.code).toBe(0);
    expect(server.pending).toBe(0);
    const report = JSON.parse(result.stdout) as { stopped: string; kept: number; dropped: Array<{ reason: string }> };
    expect(report.stopped).toMatch(/^the budget ran out: budget reached: calls used 5 of 5/);
    expect(report.kept).toBe(1);
    expect(report.dropped.map((drop) => drop.reason)).toEqual(['the budget ran out before its difficulty was measured']);
    expect(parseTaskStream(readFileSync(join(cwd, 'sums.jsonl'), 'utf8')).map((task) => task.id)).toEqual(['sums-generated-1']);
  });

  it('stops at --budget-usd, over the configured budget, with the writer\'s call and the agent\'s tries metered and what was measured written', async () => {
    const cwd = directory.path;
    // Each call costs $1: 1000 input tokens at $1000 a million, for both models.
    const price = { inputPerMillion: 1000, outputPerMillion: 0 };
    writeFileSync(join(cwd, 'lamarck.config.json'), JSON.stringify({ budget: { maxUsd: 100 }, prices: { writer: price, agent: price } }));
    const usage = { inputTokens: 1000, outputTokens: 0 };
    const agent = createLeveledAgent(3);
    const write = createSumWriter([3, 2]);
    // $5: the writer's call and 4 tries at the first sum; the first try at the second is refused.
    server.enqueue(
      { respond: (body) => ({ text: JSON.stringify(write(firstUserText(body))), usage }) },
      ...Array.from({ length: 4 }, (): ProtocolReply => ({ respond: (body) => ({ toolCalls: [{ name: 'final_answer', input: { answer: agent(firstUserText(body)) } }], usage }) })),
    );
    const spec = (model: string): string => `openai-compatible:${server.baseURL}#${model}`;
    const result = await lamarck(cwd, '--json', 'curriculum', 'sums', '--tag', 'sums', '--count', '2', '--model', spec('writer'), '--agent', spec('agent'), '--budget-usd', '5', '--out', 'sums.jsonl');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(server.pending).toBe(0);
    const report = JSON.parse(result.stdout) as { stopped: string; kept: number; costUsd: number; dropped: Array<{ reason: string }> };
    expect(report.stopped).toMatch(/^the budget ran out: budget reached: .*5/);
    expect(report.costUsd).toBeCloseTo(5, 9);
    expect(report.kept).toBe(1);
    expect(report.dropped.map((drop) => drop.reason)).toEqual(['the budget ran out before its difficulty was measured']);
    expect(parseTaskStream(readFileSync(join(cwd, 'sums.jsonl'), 'utf8')).map((task) => task.id)).toEqual(['sums-generated-1']);
    const runs = JSON.parse((await lamarck(cwd, '--json', 'runs', '--kind', 'curriculum')).stdout) as Array<{ status: string; summary: Record<string, unknown> }>;
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('stopped');
    expect(runs[0]!.summary).toMatchObject({ generated: 2, kept: 1, dropped: 1, calls: 5, message: expect.stringMatching(/^stopped early: the budget ran out/) });
    expect(runs[0]!.summary['costUsd']).toBeCloseTo(5, 9);
  });

  it('warns that --budget-usd cannot stop a model without a price', async () => {
    const cwd = directory.path;
    const write = createSumWriter([3]);
    server.enqueue({ respond: (body) => ({ text: JSON.stringify(write(firstUserText(body))) }) });
    const warned = await lamarck(cwd, 'curriculum', 'sums', '--tries', '0', '--count', '1', '--model', `openai-compatible:${server.baseURL}#unpriced`, '--budget-usd', '1', '--out', 'x.jsonl');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/the price of openai-compatible:.*#unpriced is unknown, so the USD budget cannot stop its calls/);
    expect(server.pending).toBe(0);
    const refused = await lamarck(cwd, 'curriculum', 'sums', '--model', `openai-compatible:${server.baseURL}#unpriced`, '--budget-usd', '0', '--out', 'x.jsonl');
    expect(refused.stderr).toMatch(/--budget-usd/);
  });

  it('measures difficulty with --model when no model is configured and no --agent is given', async () => {
    const cwd = directory.path;
    const agent = createLeveledAgent(3);
    const write = createSumWriter([3, 2]);
    // One model answers both the writer's request and the agent's tries: a request offering tools is a try.
    server.enqueue(
      ...Array.from({ length: 9 }, (): ProtocolReply => ({
        respond: (body) => (Array.isArray(body['tools']) && body['tools'].length > 0 ? { toolCalls: [{ name: 'final_answer', input: { answer: agent(firstUserText(body)) } }] } : { text: JSON.stringify(write(firstUserText(body))) }),
      })),
    );
    const result = await lamarck(cwd, '--json', 'curriculum', 'sums', '--tag', 'sums', '--count', '2', '--model', `openai-compatible:${server.baseURL}#only`, '--out', 'sums.jsonl');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(server.pending).toBe(0);
    expect(server.requests.map((request) => request.body['model'])).toEqual(Array.from({ length: 9 }, () => 'only'));
    const report = JSON.parse(result.stdout) as { tasks: Array<{ id: string; passes: number; tries: number }> };
    expect(report.tasks.map((task) => [task.id, task.passes, task.tries])).toEqual([
      ['sums-generated-1', 2, 4],
      ['sums-generated-2', 3, 4],
    ]);
  });

  it('says so, and writes nothing, when the library shows no gap', async () => {
    const cwd = directory.path;
    const result = await lamarck(cwd, 'curriculum', '--from-gaps', '--tries', '0', '--model', `openai-compatible:${server.baseURL}#writer`, '--out', 'generated.jsonl');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/the library shows no gaps/);
    expect(() => readFileSync(join(cwd, 'generated.jsonl'))).toThrow();
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a domain with --from-gaps, neither, and a band upside down, naming the flags', async () => {
    const cwd = directory.path;
    const model = `openai-compatible:${server.baseURL}#writer`;
    const both = await lamarck(cwd, 'curriculum', 'sums', '--from-gaps', '--model', model, '--out', 'x.jsonl');
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/give a domain or --from-gaps, not both/);
    const neither = await lamarck(cwd, 'curriculum', '--model', model, '--out', 'x.jsonl');
    expect(neither.stderr).toMatch(/or --from-gaps/);
    const band = await lamarck(cwd, 'curriculum', 'sums', '--min-success', '0.8', '--max-success', '0.6', '--model', model, '--out', 'x.jsonl');
    expect(band.stderr).toMatch(/--min-success \(0\.8\) is above --max-success \(0\.6\)/);
    const share = await lamarck(cwd, 'curriculum', 'sums', '--min-success', '2', '--model', model, '--out', 'x.jsonl');
    expect(share.stderr).toMatch(/--min-success.*expected a number from 0 to 1/);
    expect(server.requests).toHaveLength(0);
  });
});
