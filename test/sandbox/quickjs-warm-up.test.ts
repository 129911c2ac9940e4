import { describe, expect, it } from 'vitest';
import { acquireInstance, clearInstancePool, releaseInstance } from '../../src/sandbox/quickjs-instance-pool.ts';
import { runInQuickJs, warmUpQuickJs } from '../../src/sandbox/quickjs-sandbox.ts';

/** The start-up warm-up: it must leave a usable pooled instance and change nothing about the limits. */
describe('warmUpQuickJs', () => {
  it('leaves an idle instance for the requested limit, reused by the next call and the next warm-up', async () => {
    clearInstancePool();
    const limit = 24 * 1024 * 1024;
    await warmUpQuickJs(limit);
    const pooled = await acquireInstance(limit);
    expect(pooled.broken).toBe(false);
    releaseInstance(pooled);
    // A second warm-up only tops up the pool: it borrows the idle instance and gives it back.
    await warmUpQuickJs(limit);
    const again = await acquireInstance(limit);
    expect(again).toBe(pooled);
    releaseInstance(again);
  });

  it('does not loosen the memory cap of calls made after it', async () => {
    await warmUpQuickJs(64 * 1024 * 1024);
    const result = await runInQuickJs(
      'export default async () => { const parts = []; for (;;) parts.push("x".repeat(1 << 20)); };',
      null,
      { timeoutMs: 5000, memoryLimitBytes: 8 * 1024 * 1024 },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('memory-limit');
  });

  it('can run while a tool call is in flight, and both succeed', async () => {
    clearInstancePool();
    const [, result] = await Promise.all([
      warmUpQuickJs(),
      runInQuickJs('export default async (input) => input.a + 1;', { a: 41 }, { timeoutMs: 5000, memoryLimitBytes: 32 * 1024 * 1024 }),
    ]);
    expect(result).toMatchObject({ ok: true, output: 42 });
  });
});
