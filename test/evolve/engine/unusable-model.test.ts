import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evolve } from '../../../src/evolve/evolve.ts';
import { isUnusableModelError } from '../../../src/model/unusable-model.ts';
import { resolveModel } from '../../../src/model/resolve-model.ts';
import { createMemoryStore } from '../../../src/testing/index.ts';
import { closedPort } from '../../support/closed-port.ts';
import { startProtocolServer, type ProtocolReply, type ProtocolServer } from '../../support/protocol-server.ts';
import { fakeEvaluator, fakeProblem } from './fakes.ts';

/**
 * An unusable model (credentials refused, nothing listening, no model file) stops an evolve run,
 * failed, with the provider's message after a few calls in a row; transient failures (429, 5xx)
 * do not, and a reply in between starts the count again. Real HTTP to the local protocol server
 * and to a real closed port; one proposal at a time, so the calls arrive in the order queued.
 */
let server: ProtocolServer;
beforeAll(async () => {
  server = await startProtocolServer();
});
afterAll(async () => {
  await server.close();
});

const onlyDiff = { operators: { 'llm-rewrite': 0, 'llm-crossover': 0, 'numeric-tune': 0 }, repair: false };

async function runAgainst(baseURL: string, iterations: number) {
  const store = createMemoryStore();
  try {
    const model = resolveModel(`openai-compatible:${baseURL}#m`, { retries: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 } });
    const handle = evolve({
      problem: fakeProblem(10, onlyDiff),
      store,
      models: [model],
      evaluator: fakeEvaluator(),
      iterations,
      seed: 1,
      concurrency: { evaluations: 1, proposals: 1 },
    });
    for await (const _event of handle.events) {
      // drained so the run is not held up by its event channel
    }
    return await handle.result;
  } finally {
    await store.close();
  }
}

function queue(...replies: ProtocolReply[]): void {
  server.requests.length = 0;
  server.enqueue(...replies);
}

describe('evolve with an unusable model', () => {
  it('stops failed after three refused credentials in a row, with the provider message', async () => {
    queue(...Array.from({ length: 3 }, () => ({ status: 401, message: 'Incorrect API key provided: sk-wrong' })));
    const summary = await runAgainst(server.baseURL, 30);
    expect(summary.status).toBe('failed');
    expect(summary.stopReason).toBe('model-unusable');
    expect(summary.message).toContain('HTTP 401');
    expect(summary.message).toContain('Incorrect API key provided: sk-wrong');
    // A 401 is not retried, and the run asked no more than the three calls it needed to be sure.
    expect(server.requests).toHaveLength(3);
    expect(summary.iterations).toBe(3);
    expect(server.pending).toBe(0);
  });

  it('stops failed against a port where nothing listens (connection refused)', async () => {
    const port = await closedPort();
    const summary = await runAgainst(`http://127.0.0.1:${port}/v1`, 30);
    expect(summary.status).toBe('failed');
    expect(summary.stopReason).toBe('model-unusable');
    expect(summary.message).toContain('ECONNREFUSED');
    expect(summary.iterations).toBe(3);
  });

  it('keeps going through transient 429 and 5xx failures', async () => {
    queue(
      { status: 429, message: 'slow down' },
      { status: 429, message: 'slow down' },
      { status: 503, message: 'overloaded' },
      { status: 503, message: 'overloaded' },
      { status: 500, message: 'boom' },
      { status: 500, message: 'boom' },
      { status: 502, message: 'bad gateway' },
      { status: 502, message: 'bad gateway' },
    );
    const summary = await runAgainst(server.baseURL, 4);
    expect(summary.status).toBe('finished');
    expect(summary.stopReason).toBe('iterations');
    expect(summary.failures['model-error']).toBe(4);
    expect(server.pending).toBe(0);
  });

  it('counts only failures in a row: a reply in between starts the count again', async () => {
    const refused = { status: 403, message: 'forbidden for this project' };
    queue(refused, refused, { text: 'I would rather not edit anything.' }, refused, refused, refused);
    const summary = await runAgainst(server.baseURL, 30);
    expect(summary.stopReason).toBe('model-unusable');
    expect(summary.message).toContain('forbidden for this project');
    expect(summary.iterations).toBe(6);
    expect(server.pending).toBe(0);
  });
});

describe('isUnusableModelError', () => {
  it('tells credentials, missing keys, dead ports and missing model files from transient failures', async () => {
    const port = await closedPort();
    const errorOf = async (spec: string, options: Parameters<typeof resolveModel>[1] = {}) =>
      resolveModel(spec, { retries: { maxAttempts: 1 }, ...options })
        .generateText({ prompt: 'hi' })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
    const noKey = await errorOf('openai:gpt-5-mini', { providers: { openai: { baseURL: server.baseURL } } });
    const deadPort = await errorOf(`openai-compatible:http://127.0.0.1:${port}/v1#m`);
    const missingFile = await errorOf('local:/nonexistent/lamarck-test-model.gguf');
    queue({ status: 429, message: 'slow down' }, { status: 500, message: 'boom' });
    const rateLimited = await errorOf(`openai-compatible:${server.baseURL}#m`);
    const serverError = await errorOf(`openai-compatible:${server.baseURL}#m`);
    expect([noKey, deadPort, missingFile].map(isUnusableModelError)).toEqual([true, true, true]);
    expect([rateLimited, serverError].map(isUnusableModelError)).toEqual([false, false]);
    // No request went out without a key.
    expect(server.requests).toHaveLength(2);
  });
});
