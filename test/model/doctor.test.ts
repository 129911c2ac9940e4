import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDoctorCommand, type DoctorReport } from '../../src/cli/commands/doctor.ts';
import { createCliContext } from '../../src/cli/context.ts';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.ts';

let server: ProtocolServer;
beforeAll(async () => {
  server = await startProtocolServer();
});
afterAll(async () => {
  await server.close();
});

function capture(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

async function doctor(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const context = createCliContext({ cwd, env, streams: { stdout, stderr } });
  const program = new Command('lamarck').option('--json').exitOverride();
  registerDoctorCommand(program, context);
  await program.parseAsync(['doctor', ...args], { from: 'user' });
  await context.close();
  return { code: context.exitCode, stdout: stdout.text(), stderr: stderr.text() };
}

function project(config: unknown): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'lamarck-doctor-'));
  if (config !== undefined) writeFileSync(path.join(directory, 'lamarck.config.json'), JSON.stringify(config));
  return directory;
}

describe('lamarck doctor', () => {
  it('reports Node, store and an answering model, and a failing one, exiting 0', async () => {
    server.enqueue({ text: 'ok' }, { status: 401, message: 'invalid x-api-key' });
    const cwd = project({
      models: ['openai:gpt-5-mini', 'anthropic:claude-haiku-4-5'],
      providers: { openai: { apiKey: 'k', baseURL: server.baseURL }, anthropic: { apiKey: 'k', baseURL: server.baseURL } },
    });
    const { code, stdout } = await doctor(cwd, ['--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.canRun).toBe(true);
    expect(report.modelsAnswering).toBe(1);
    const byName = Object.fromEntries(report.checks.map((check) => [check.name, check]));
    expect(byName['node']?.status).toBe('ok');
    expect(byName['store']?.detail).toMatch(/^sqlite:.*lamarck\.db \(schema version \d+, migrations up to date; quick_check ok\)/);
    expect(byName['model openai:gpt-5-mini']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/answered in \d+ ms/) });
    expect(byName['model anthropic:claude-haiku-4-5']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/HTTP 401.*invalid x-api-key/) });
  });

  it('says plainly when no model is configured, a key is missing or a local file is absent', async () => {
    const cwd = project({ models: ['anthropic:claude-haiku-4-5', 'local:models/missing.gguf'] });
    mkdirSync(path.join(cwd, '.lamarck', 'models'), { recursive: true });
    writeFileSync(path.join(cwd, '.lamarck', 'models', 'tiny.gguf'), Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64)]));
    const { code, stdout } = await doctor(cwd, []);
    expect(code).toBe(0);
    expect(stdout).toMatch(/fail\s+model anthropic:claude-haiku-4-5\s+no API key: set ANTHROPIC_API_KEY/);
    expect(stdout).toMatch(/fail\s+model local:models\/missing\.gguf\s+local model file not found/);
    expect(stdout).toMatch(/ok\s+local model file tiny\.gguf\s+GGUF/);
    expect(stdout).toMatch(/Lamarck can run model-free work, but no configured model answered/);

    const empty = await doctor(project(undefined), []);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/warn\s+models\s+no models configured: only model-free work is possible/);
  });

  it('exits 1 when the configuration is invalid', async () => {
    const { code, stdout } = await doctor(project({ budget: { maxUsd: 'ten' } }), ['--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.canRun).toBe(false);
    expect(report.checks.find((check) => check.name === 'config')?.detail).toBe('lamarck.config.json: budget.maxUsd: expected a positive number, got "ten"');
    const text = await doctor(project({ budget: { maxUsd: 'ten' } }), []);
    expect(text.code).toBe(1);
    // The closing line points at the failures "marked [fatal]", so the mark must be there.
    expect(text.stdout).toMatch(/fail\s+config\s+lamarck\.config\.json: budget\.maxUsd: .* \[fatal\]\n/);
    expect(text.stdout).toContain('until the failures marked [fatal] above are fixed');
  });
});
