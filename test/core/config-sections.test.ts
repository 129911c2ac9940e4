import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../src/agent/agent-config.ts';
import { createCliContext } from '../../src/cli/context.ts';
import { parseConfig } from '../../src/core/config.ts';
import { evolveRunOptions } from '../../src/evolve/evolve-config.ts';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

async function loadThroughCli(config: unknown): Promise<unknown> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'lamarck-config-sections-'));
  directories.push(cwd);
  writeFileSync(path.join(cwd, 'lamarck.config.json'), JSON.stringify(config));
  const context = createCliContext({ cwd, env: {}, streams: { stdout: sink(), stderr: sink() } });
  return context.config();
}

describe('every section of lamarck.config.json is honoured or rejected', () => {
  it('refuses an unknown key in the evolve section, naming evolve.iterationz', async () => {
    await expect(loadThroughCli({ evolve: { iterationz: 1 } })).rejects.toThrow(/lamarck.config.json: evolve\.iterationz: unknown key \(allowed: iterations, seed, wallTimeSeconds, concurrency\)$/);
  });

  it('refuses an unknown key in the agent section and in the learn section, whatever the command', async () => {
    await expect(loadThroughCli({ agent: { maxStep: 3 } })).rejects.toThrow(/agent\.maxStep: unknown key/);
    await expect(loadThroughCli({ learn: { tokenBudgt: 3 } })).rejects.toThrow(/learn\.tokenBudgt: unknown key/);
    await expect(loadThroughCli({ evolve: { iterations: 0 } })).rejects.toThrow(/evolve\.iterations: expected a positive integer, got 0/);
  });

  it('refuses a bad model section at load, whatever the command, though core itself never reads it', async () => {
    // Core hands the model keys over unread; the model module validates them, and the CLI asks it to at once.
    expect(() => parseConfig({ models: ['gemini:pro'] })).not.toThrow();
    await expect(loadThroughCli({ models: ['openai:gpt-5-mini', 'gemini:pro'] })).rejects.toThrow(/lamarck.config.json: models\.1: expected a provider of openai, anthropic, ollama, openai-compatible, local before ":"/);
    await expect(loadThroughCli({ retries: { maxAttempt: 2 } })).rejects.toThrow(/retries\.maxAttempt: unknown key/);
    await expect(loadThroughCli({ modelz: ['openai:gpt-5'] })).rejects.toThrow(/modelz: unknown key/);
  });

  it('loads valid sections', async () => {
    await expect(loadThroughCli({ evolve: { iterations: 5 }, agent: { maxSteps: 3, plan: true } })).resolves.toMatchObject({ evolve: { iterations: 5 } });
  });

  it('evolve reads its section and the budget, LAMARCK_BUDGET_USD included, as run and learn do; flags win', () => {
    const config = parseConfig({ budget: { maxUsd: 2, maxTokens: 1000 }, evolve: { iterations: 7, wallTimeSeconds: 60, concurrency: { evaluations: 2 } } });
    expect(evolveRunOptions(config)).toEqual({ iterations: 7, budget: { usd: 2, tokens: 1000, wallTimeMs: 60_000 }, concurrency: { evaluations: 2 } });
    const fromEnvironment = parseConfig({ budget: { maxUsd: 2 } }, { env: { LAMARCK_BUDGET_USD: '0.25' } });
    expect(evolveRunOptions(fromEnvironment).budget).toEqual({ usd: 0.25 });
    expect(evolveRunOptions(config, { iterations: 3, budgetUsd: 1, evaluations: 4 })).toEqual({
      iterations: 3,
      budget: { usd: 1, tokens: 1000, wallTimeMs: 60_000 },
      concurrency: { evaluations: 4 },
    });
    expect(evolveRunOptions(parseConfig({}))).toEqual({});
  });

  it('the agent section gives run its defaults', () => {
    expect(parseAgentConfig({ maxSteps: 4, maxTimeSeconds: 30, plan: true })).toEqual({ maxSteps: 4, maxTimeSeconds: 30, plan: true });
    expect(() => parseAgentConfig({ maxSteps: 'many' }, 'lamarck.config.json')).toThrow(/^lamarck.config.json: agent\.maxSteps: expected a positive integer, got "many"$/);
  });
});
