import { describe, expect, it } from 'vitest';
import { createCallQueue } from '../../../src/model/local/call-queue.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('createCallQueue', () => {
  it('runs tasks one at a time in arrival order, whatever their outcome', async () => {
    const queue = createCallQueue();
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run(async () => {
      log.push('first start');
      await gate.promise;
      log.push('first end');
      throw new Error('first failed');
    });
    const second = queue.run(async () => {
      log.push('second');
      return 2;
    });
    expect(queue.pending).toBe(2);
    await Promise.resolve();
    gate.resolve();
    await expect(first).rejects.toThrow('first failed');
    expect(await second).toBe(2);
    expect(log).toEqual(['first start', 'first end', 'second']);
    expect(queue.pending).toBe(0);
  });

  it('rejects a waiting task on abort without letting the next one overtake the running one', async () => {
    const queue = createCallQueue();
    const log: string[] = [];
    const gate = deferred();
    const running = queue.run(async () => {
      await gate.promise;
      log.push('running done');
    });
    const controller = new AbortController();
    const skipped = queue.run(async () => log.push('skipped ran'), controller.signal);
    const third = queue.run(async () => log.push('third'));
    controller.abort(new Error('cancelled'));
    await expect(skipped).rejects.toThrow('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual([]);
    gate.resolve();
    await running;
    await third;
    expect(log).toEqual(['running done', 'third']);
  });

  it('refuses a task whose signal is already aborted', () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    expect(() => createCallQueue().run(async () => 1, controller.signal)).toThrow('too late');
  });
});
