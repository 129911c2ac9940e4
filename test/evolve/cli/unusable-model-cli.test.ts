import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { closedPort } from '../../support/closed-port.ts';

/**
 * `lamarck evolve` with a model it cannot use exits 1 with the provider's own message, as `run`
 * and `learn` do, instead of recording model errors until its budget is spent and exiting 0.
 */
const root = mkdtempSync(join(tmpdir(), 'lamarck-unusable-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A one-file problem whose evaluator is quick, with only the model operators, so the run's time is its model calls. */
function makeProblem(): string {
  const directory = join(root, 'problem');
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'program.mjs'), '// EVOLVE-BLOCK-START\nexport const x = 10;\n// EVOLVE-BLOCK-END\n');
  writeFileSync(join(directory, 'evaluator.mjs'), 'console.log(JSON.stringify({ combined_score: 1, metrics: {} }));\n');
  writeFileSync(
    join(directory, 'lamarck.json'),
    JSON.stringify({
      name: 'unusable-model',
      program: 'program.mjs',
      evaluator: { command: ['${node}', 'evaluator.mjs'], timeoutSeconds: 30 },
      settings: { operators: { 'numeric-tune': 0, 'llm-crossover': 0 } },
    }),
  );
  return directory;
}
const example = makeProblem();

async function runMain(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) => ({ write: (chunk: string | Uint8Array) => (append(chunk.toString()), true) }) as unknown as NodeJS.WritableStream;
  const cwd = mkdtempSync(join(root, 'run-'));
  const code = await main(args, { cwd, env, streams: { stdout: sink((text) => (stdout += text)), stderr: sink((text) => (stderr += text)) } });
  return { code, stdout, stderr };
}

function environmentWithout(...names: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of names) delete env[name];
  return env;
}

describe('lamarck evolve with an unusable model', () => {
  it('exits 1 with the provider message when no API key is configured', async () => {
    const result = await runMain(['evolve', example, '--model', 'openai:gpt-5-mini', '--iterations', '40', '--json'], environmentWithout('OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LAMARCK_MODEL'));
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as { status: string; stopReason: string; message: string; iterations: number };
    expect(summary).toMatchObject({ status: 'failed', stopReason: 'model-unusable' });
    expect(summary.message).toContain('OpenAI API key is missing');
    expect(summary.iterations).toBeLessThan(40);
  }, 120_000);

  it('exits 1 naming the refused connection when nothing listens at the base URL', async () => {
    const port = await closedPort();
    const result = await runMain(['evolve', example, '--model', `openai-compatible:http://127.0.0.1:${port}/v1#some-model`, '--iterations', '40'], environmentWithout('LAMARCK_MODEL'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('failed (model-unusable)');
    expect(result.stdout).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
  }, 120_000);

  it('exits 1 naming the missing .gguf file', async () => {
    const result = await runMain(['evolve', example, '--model', 'local:/nonexistent/lamarck-missing.gguf', '--iterations', '40'], environmentWithout('LAMARCK_MODEL'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('failed (model-unusable)');
    expect(result.stdout).toContain('local model file not found: /nonexistent/lamarck-missing.gguf');
  }, 120_000);
});
