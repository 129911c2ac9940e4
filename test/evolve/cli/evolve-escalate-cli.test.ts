import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { readModelRoute } from '../../../src/learn/model-routes.ts';
import { Library } from '../../../src/library/library.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { startProtocolServer, type ProtocolServer } from '../../support/protocol-server.ts';

/**
 * `lamarck evolve --escalate` end to end over HTTP: the cheap model's unusable rewrites go to the
 * strong model, after two the rewrite operator is routed to it at once, the summary gives the
 * saving against always-strong, and the route is a library item the next command can read.
 */
let directory: string;
let server: ProtocolServer;

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'lamarck-evolve-escalate-'));
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

describe('lamarck evolve --escalate', () => {
  it('escalates unusable replies, routes the operator to the strong model, and reports the saving and the route', async () => {
    const problem = path.join(directory, 'problem');
    await mkdir(problem, { recursive: true });
    await writeFile(path.join(problem, 'program.py'), '# EVOLVE-BLOCK-START\nx = 10\n# EVOLVE-BLOCK-END\nprint(x)\n');
    await writeFile(path.join(problem, 'evaluator.py'), 'import json, re, sys\nx = float(re.search(r"x = (-?[0-9.]+)", open(sys.argv[1]).read()).group(1))\nprint(json.dumps({"combined_score": -(x - 3) ** 2}))\n');
    await writeFile(
      path.join(problem, 'lamarck.json'),
      JSON.stringify({
        program: 'program.py',
        evaluator: { command: ['/usr/bin/python3', 'evaluator.py'], timeoutSeconds: 30 },
        settings: { operators: { 'llm-rewrite': 1, 'llm-diff': 0, 'llm-crossover': 0, 'numeric-tune': 0 }, repair: false, insightsEvery: 0, routeAfterFailures: 2, concurrency: { evaluations: 1, window: 1 } },
      }),
    );
    const prices = { cheap: { inputPerMillion: 1, outputPerMillion: 1 }, strong: { inputPerMillion: 20, outputPerMillion: 20 } };
    await writeFile(path.join(directory, 'lamarck.config.json'), JSON.stringify({ prices }));
    const usage = { inputTokens: 1000, outputTokens: 100 };
    const refusal = { text: 'Sorry, I cannot improve this program any further', usage };
    const rewrite = (x: number) => ({ text: `\`\`\`python\nx = ${x}\n\`\`\``, usage });
    server.enqueue(refusal, rewrite(5), refusal, rewrite(4), rewrite(3.5), rewrite(3));
    const cheap = `openai-compatible:${server.baseURL}#cheap`;
    const strong = `openai-compatible:${server.baseURL}#strong`;

    const run = await lamarck(['evolve', problem, '--model', cheap, '--escalate', strong, '--iterations', '4', '--seed', '1', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(server.requests.map((request) => (request.body as { model?: unknown }).model)).toEqual(['cheap', 'strong', 'cheap', 'strong', 'strong', 'strong']);
    const summary = JSON.parse(run.stdout) as { runId: string; cascade: { proposals: number; escalated: number; routedStrong: number; costUsd: number; alwaysStrongEstimateUsd: number; savedEstimateUsd: number; strongOperators: string[] } };
    const cheapCall = 1100 / 1_000_000;
    const strongCall = (1100 * 20) / 1_000_000;
    expect(summary.cascade).toMatchObject({ proposals: 4, escalated: 2, routedStrong: 2, strongOperators: ['llm-rewrite'] });
    expect(summary.cascade.costUsd).toBeCloseTo(2 * cheapCall + 4 * strongCall, 10);
    expect(summary.cascade.alwaysStrongEstimateUsd).toBeCloseTo(4 * strongCall, 10);
    // Escalating every proposal costs more than the strong model alone: the saving says so.
    expect(summary.cascade.savedEstimateUsd).toBeCloseTo(-2 * cheapCall, 10);

    const store = await openStore({ cwd: directory });
    try {
      expect(await readModelRoute(new Library({ store }), 'evolve-llm-rewrite')).toEqual({ taskKind: 'evolve-llm-rewrite', route: 'strong', cheapAttempts: 2, cheapFailures: 2 });
    } finally {
      await store.close();
    }
    const shown = await lamarck(['library', 'prompts', 'show', 'model-route-evolve-llm-rewrite']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('"route":"strong"');
    expect(server.pending).toBe(0);
  });
});

