import { afterEach, describe, expect, it } from 'vitest';
import { QuickJsPool, runInQuickJs, warmUpQuickJs } from '../../src/sandbox/quickjs-sandbox.ts';

/** The start-up warm-up: it must leave a usable warm worker and change nothing about the limits. */
const pools: QuickJsPool[] = [];
function newPool(): QuickJsPool {
  const pool = new QuickJsPool();
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

describe('warmUpQuickJs', () => {
  it('leaves an idle worker warm for the requested limit, used by the next call and the next warm-up', async () => {
    const pool = newPool();
    const limit = 24 * 1024 * 1024;
    await warmUpQuickJs(limit, pool);
    expect(pool.stats()).toMatchObject({ workersStarted: 1, idleWorkers: 1 });
    expect(pool.hasIdleWorkerFor(limit)).toBe(true);
    const result = await runInQuickJs('export default async (input) => input.a + 1;', { a: 1 }, { timeoutMs: 30_000, memoryLimitBytes: limit, pool });
    expect(result).toMatchObject({ ok: true, output: 2 });
    // A second warm-up finds the warm worker and starts nothing.
    await warmUpQuickJs(limit, pool);
    expect(pool.stats()).toMatchObject({ workersStarted: 1, idleWorkers: 1, peakRunning: 1 });
  });

  it('does not loosen the memory cap of calls made after it', async () => {
    const pool = newPool();
    await warmUpQuickJs(64 * 1024 * 1024, pool);
    const result = await runInQuickJs('export default async () => { const parts = []; for (;;) parts.push("x".repeat(1 << 20)); };', null, {
      timeoutMs: 30_000,
      memoryLimitBytes: 8 * 1024 * 1024,
      pool,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('memory-limit');
  });

  it('can run while a tool call is in flight, and both succeed', async () => {
    const pool = newPool();
    const [, result] = await Promise.all([
      warmUpQuickJs(32 * 1024 * 1024, pool),
      runInQuickJs('export default async (input) => input.a + 1;', { a: 41 }, { timeoutMs: 30_000, memoryLimitBytes: 32 * 1024 * 1024, pool }),
    ]);
    expect(result).toMatchObject({ ok: true, output: 42 });
    // The call waited for the worker that was warming up rather than starting a second one.
    expect(pool.stats().workersStarted).toBe(1);
  });
});
