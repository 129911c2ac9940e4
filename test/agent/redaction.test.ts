import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/agent/redact.ts';
import { runAgent } from '../../src/agent/run-agent.ts';
import { runStateScope } from '../../src/agent/run-state.ts';
import { createMemoryStore, createScriptedModel } from '../../src/testing/index.ts';
import { customTool } from './helpers.ts';

describe('secret redaction', () => {
  it('redacts key formats, bearer tokens, secret assignments and secret environment values', () => {
    const redactor = createRedactor({ env: { MY_SERVICE_TOKEN: 'tok-value-123456', HOME: '/home/me', DB_URL: 'postgres://u:hunter22@db' }, secretEnvNames: ['DB_URL'] });
    const text = [
      'key sk-proj-abcdefghijklmnopqrstuvwx',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
      'password=CorrectHorse9',
      'the token is tok-value-123456',
      'connect to postgres://u:hunter22@db',
      'github ghp_abcdefghijklmnopqrstuvwxyz0123',
      'inputTokens: 1200 stays, home is /home/me',
    ].join('\n');
    const redacted = redactor.text(text);
    for (const secret of ['sk-proj-abcdefghijklmnopqrstuvwx', 'eyJhbGciOiJIUzI1NiJ9', 'CorrectHorse9', 'tok-value-123456', 'hunter22', 'ghp_abcdefghij']) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain('inputTokens: 1200 stays, home is /home/me');
    expect(redactor.json({ apiKey: 'short', nested: [{ note: 'sk-abcdefghijklmnopqrstu' }], count: 3 })).toEqual({
      apiKey: '[REDACTED]',
      nested: [{ note: '[REDACTED]' }],
      count: 3,
    });
  });

  it('redacts the password of a URL with credentials, keeping the rest of the URL', () => {
    const redactor = createRedactor();
    expect(redactor.text('base https://bob:pa55-w0rd-xyz@llm.example.com/v1 and http://plain.example.com/a@b')).toBe(
      'base https://bob:[REDACTED]@llm.example.com/v1 and http://plain.example.com/a@b',
    );
  });

  it('keeps credentials in a model base URL out of the stored trajectory, run and state', async () => {
    const store = createMemoryStore();
    const model = createScriptedModel({ spec: 'openai-compatible:https://bob:pa55-w0rd-xyz@llm.example.com/v1#m', replies: ['done'] });
    const result = await runAgent({ task: 't', model, store, builtinTools: false }).result;
    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory?.model).toBe('openai-compatible:https://bob:[REDACTED]@llm.example.com/v1#m');
    const everything = JSON.stringify([trajectory, await store.getState(runStateScope, result.runId), await store.getRun(result.runId)]);
    expect(everything).not.toContain('pa55-w0rd-xyz');
    await store.close();
  });

  it('keeps secrets out of the stored trajectory and run state', async () => {
    const store = createMemoryStore();
    const secret = 'sk-live-0123456789abcdefghij';
    const leaky = customTool('leaky', 'Echoes configuration', () => `config: OPENAI_API_KEY=${secret} and env ${'s3cr3t-env-value'}`);
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'leaky', input: { note: `use ${secret}` } }] },
        { toolCalls: [{ name: 'final_answer', input: { answer: `the key was ${secret}` } }] },
      ],
    });
    const result = await runAgent({
      task: `Check the key ${secret}`,
      model,
      store,
      tools: [leaky],
      builtinTools: false,
      env: { EXAMPLE_SECRET: 's3cr3t-env-value' },
    }).result;
    // The caller still gets the real answer; only what is stored is redacted.
    expect(result.answer).toContain(secret);
    const trajectory = await store.getTrajectory(result.trajectoryId);
    const state = await store.getState(runStateScope, result.runId);
    const run = await store.getRun(result.runId);
    const everything = JSON.stringify([trajectory, state, run]);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('s3cr3t-env-value');
    expect(everything).toContain('[REDACTED]');
    await store.close();
  });
});
