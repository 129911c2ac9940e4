import type { LanguageModelV4, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLanguageModelClient } from '../../src/model/language-model-client.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** A provider model whose stream ignores its abort signal, as a buggy or slow-to-notice one might. */
function deafStreamingModel(parts: number, onPart: (index: number) => void): LanguageModelV4 & { read: () => number } {
  let read = 0;
  return {
    specificationVersion: 'v4',
    provider: 'deaf',
    modelId: 'deaf',
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('not used')),
    doStream: () =>
      Promise.resolve({
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          pull(controller) {
            if (read === parts) {
              controller.close();
              return;
            }
            onPart(read);
            read += 1;
            controller.enqueue({ type: 'text-delta', id: 'text-0', delta: 'x' });
          },
        }),
      }),
    read: () => read,
  };
}

describe('streaming after the caller aborts', () => {
  it('stops reading a stream that ignores the abort and leaves no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const controller = new AbortController();
    const model = deafStreamingModel(50, (index) => {
      if (index === 3) controller.abort(new Error('stopped by the user'));
    });
    const client = createLanguageModelClient(model, { spec: 'deaf:deaf', provider: 'scripted', modelId: 'deaf', retries: { maxAttempts: 1 }, timeoutMs: 60_000 });
    const { result } = client.streamText({ prompt: 'go', signal: controller.signal });
    await expect(result).rejects.toThrow('stopped by the user');
    // Let any reading that is still going on run to its end.
    for (let turn = 0; turn < 200; turn += 1) await Promise.resolve();
    expect(model.read()).toBeLessThan(10);
    // A timer left armed would keep a CLI process alive for the whole timeout after Ctrl-C.
    expect(vi.getTimerCount()).toBe(0);
  });
});
