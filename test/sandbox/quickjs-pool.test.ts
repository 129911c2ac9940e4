import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QuickJsPool, runInQuickJs, type QuickJsOutcome, type QuickJsPoolOptions } from '../../src/sandbox/quickjs-sandbox.ts';

/**
 * The worker pool behind the QuickJS sandbox: off the host thread, a deadline enforced from
 * outside the interpreter, a memory budget, and workers that come and go without taking the host
 * with them. Outcomes are asserted from evidence (the kind, the pool's counters, times the tools
 * recorded themselves), with time limits far from what a busy machine needs.
 */
const MiB = 1024 * 1024;
const pools: QuickJsPool[] = [];

function newPool(options: QuickJsPoolOptions = {}): QuickJsPool {
  const pool = new QuickJsPool(options);
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

/** The largest delay of a 10 ms host timer while `work` runs: how long the host's event loop was held. */
async function maxTimerLag<T>(work: () => Promise<T>): Promise<{ value: T; maxLagMs: number }> {
  let maxLagMs = 0;
  let expected = performance.now() + 10;
  const timer = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - expected);
    expected = now + 10;
  }, 10);
  try {
    const value = await work();
    // The tick due now counts too: a loop held until the very end shows its delay only here.
    maxLagMs = Math.max(maxLagMs, performance.now() - expected);
    return { value, maxLagMs };
  } finally {
    clearInterval(timer);
  }
}

const indexOfTool = `export default () => { const n = 4_000_000; return 'a'.repeat(2 * n).indexOf('a'.repeat(n) + 'b'); };`;

describe('a hard deadline, enforced from outside the interpreter', () => {
  it('stops a tool stuck inside one long built-in call at its limit, and replaces its worker', async () => {
    const pool = newPool();
    // Quadratic inside a single built-in: QuickJS never reaches its interrupt handler. It ran on
    // for minutes (and returned ok) when the deadline was only checked inside the interpreter.
    const result = await runInQuickJs(indexOfTool, null, { timeoutMs: 2000, wallClockMs: 10_000, memoryLimitBytes: 64 * MiB, pool });
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout', message: expect.stringContaining('stopped from outside the interpreter') } });
    // Decided from readings of the worker thread, taken from outside: its CPU time reached the limit,
    // or (a worker at nice +10 beside two CPU hogs got 431 ms in 25 s) the wall-clock backstop passed.
    const [, by, cpuMs, , wallMs] = /(time limit|backstop).*\(CPU (\d+) ms \+ waiting on host calls (\d+) ms, over (\d+) ms of wall clock\)/.exec(result.ok ? '' : result.error.message)!;
    if (by === 'time limit') expect(Number(cpuMs)).toBeGreaterThanOrEqual(2000);
    else expect(Number(wallMs)).toBeGreaterThanOrEqual(10_000);
    // Stopped, not left to run for minutes (18 s beside two CPU hogs: a fresh worker, then the backstop).
    expect(result.durationMs).toBeLessThan(45_000);
    expect(pool.stats()).toMatchObject({ workersKilled: 1, running: 0, workers: 0 });
    const next = await runInQuickJs('export default () => 7;', null, { timeoutMs: 30_000, memoryLimitBytes: 16 * MiB, pool });
    expect(next).toMatchObject({ ok: true, output: 7 });
    expect(pool.stats().workersStarted).toBe(2);
  });

  it('ends an aborted call even when its guest is inside a long built-in call', async () => {
    const pool = newPool();
    const controller = new AbortController();
    const running = runInQuickJs(indexOfTool, null, { timeoutMs: 120_000, memoryLimitBytes: 64 * MiB, pool, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const result = await running;
    expect(result).toMatchObject({ ok: false, error: { code: 'aborted' } });
    expect(result.durationMs).toBeLessThan(60_000);
  });

  it('keeps the host event loop running while four tools spin', async () => {
    const pool = newPool({ maxWorkers: 4 });
    // Each spins for 1.5 s of CPU time: on two busy cores, several times that of wall clock.
    const spin = (): Promise<QuickJsOutcome> => runInQuickJs('export default () => { for (;;) {} };', null, { timeoutMs: 1500, memoryLimitBytes: 16 * MiB, pool });
    const { value: results, maxLagMs } = await maxTimerLag(() => Promise.all([spin(), spin(), spin(), spin()]));
    for (const result of results) expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(pool.stats().peakRunning).toBe(4);
    // On the host's thread, each spinning call held the event loop for its whole limit.
    const shortestRun = Math.min(...results.map((result) => result.durationMs));
    expect(shortestRun).toBeGreaterThanOrEqual(1500);
    expect(maxLagMs).toBeLessThan(shortestRun / 3);
  });
});

/** CPU time of a process's threads that run below normal priority (the pool's workers), from /proc. */
function nicedThreadsCpuMs(pid: number): number {
  let total = 0;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
      // Fields after the command name: state is field 3, nice field 19.
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      if (nice > 0) total += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return total;
}

describe('a time limit a busy machine cannot use up', () => {
  it('does not blame a tool for time its process got no CPU: the limit counts its thread CPU time', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'lamarck-pool-starved-'));
    try {
      const script = path.join(directory, 'starved.ts');
      const sandbox = new URL('../../src/sandbox/quickjs-sandbox.ts', import.meta.url).href;
      // The tool spins until its own clock jumps by 3 s between two looks: until its process was
      // stopped (no thread of it got any CPU) for longer than its whole 3 s limit.
      const tool = 'export default () => { let last = Date.now(); for (;;) { const now = Date.now(); if (now - last >= 3000) return now - last; last = now; } };';
      writeFileSync(
        script,
        [
          `const { runInQuickJs, warmUpQuickJs } = await import(${JSON.stringify(sandbox)});`,
          'await warmUpQuickJs();',
          "process.stdout.write('go\\n');",
          `const result = await runInQuickJs(${JSON.stringify(tool)}, null, { timeoutMs: 3000, wallClockMs: 120000, memoryLimitBytes: 32 * 1024 * 1024 });`,
          "process.stdout.write(JSON.stringify(result) + '\\n');",
          'process.exit(0);',
        ].join('\n'),
      );
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      let done = false;
      void exited.then(() => (done = true));
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if (stdout.includes('go\n')) resolve();
        });
      });
      // SIGSTOP is starvation made exact: 4 s in which no thread of the child runs. It comes once the
      // worker thread (the child's only thread at nice +10) has run 50 ms of CPU since "go", far more
      // than a warm worker needs to start a call: the tool is spinning. Repeated in case it was not.
      const pause = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));
      const childPid = child.pid!;
      let stops = 0;
      while (!done && stops < 3) {
        const before = nicedThreadsCpuMs(childPid);
        while (!done && nicedThreadsCpuMs(childPid) - before < 50) await pause(20);
        if (done) break;
        child.kill('SIGSTOP');
        stops += 1;
        await pause(4000);
        child.kill('SIGCONT');
      }
      await exited;
      const result = JSON.parse(stdout.split('\n')[1]!) as QuickJsOutcome;
      // It was timeout: 4 s of wall clock passed the 3 s limit while the tool had used a few ms.
      expect(result).toMatchObject({ ok: true });
      expect(result.ok && (result.output as number)).toBeGreaterThanOrEqual(3000);
      expect(result.durationMs).toBeGreaterThan(3000);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('a memory budget', () => {
  it('runs no more calls at once than the budget allows, and queues the rest', async () => {
    const memoryLimitBytes = 48 * MiB;
    const reservation = new QuickJsPool().reservationFor(memoryLimitBytes);
    const budget = Math.floor(reservation * 2.5);
    const pool = newPool({ memoryBudgetBytes: budget, maxWorkers: 8 });
    expect(pool.concurrencyFor(memoryLimitBytes)).toBe(2);
    // Each call holds 32 MiB for a while and reports when it ran, by its own clock.
    const source = `export default async () => {
      const started = Date.now();
      const keep = [];
      for (let i = 0; i < 8; i++) keep.push(new Uint8Array(4 * 1024 * 1024).fill(i + 1));
      while (Date.now() - started < 200) {}
      return [started, Date.now(), keep.length];
    };`;
    const results = await Promise.all(Array.from({ length: 6 }, () => runInQuickJs(source, null, { timeoutMs: 60_000, memoryLimitBytes, pool })));
    const intervals = results.map((result) => {
      expect(result).toMatchObject({ ok: true, output: [expect.any(Number), expect.any(Number), 8] });
      const [start, end] = (result.ok ? result.output : []) as number[];
      return { start: start!, end: end! };
    });
    const overlapAt = (time: number): number => intervals.filter((interval) => interval.start <= time && time < interval.end).length;
    expect(Math.max(...intervals.map((interval) => overlapAt(interval.start)))).toBeLessThanOrEqual(2);
    expect(pool.stats()).toMatchObject({ peakRunning: 2, running: 0, queued: 0, reservedBytes: 0 });
    expect(pool.stats().peakReservedBytes).toBeLessThanOrEqual(budget);
  });

  it('still runs a call larger than the whole budget, alone', async () => {
    const pool = newPool({ memoryBudgetBytes: 8 * MiB });
    const result = await runInQuickJs('export default () => "fits";', null, { timeoutMs: 30_000, memoryLimitBytes: 32 * MiB, pool });
    expect(result).toMatchObject({ ok: true, output: 'fits' });
  });

  it('refuses invalid settings with an error naming the setting', () => {
    expect(() => new QuickJsPool({ memoryBudgetBytes: -1 })).toThrow(/sandbox\.memoryBudgetBytes/);
    expect(() => new QuickJsPool({ maxWorkers: 0 })).toThrow(/sandbox\.maxWorkers/);
  });
});

describe('worker lifecycle', () => {
  const failingWorker = new URL('../support/failing-quickjs-worker.ts', import.meta.url);

  it('reports a worker that outgrows its heap as memory-limit, and starts a new one for the next call', async () => {
    const pool = newPool({ workerUrl: failingWorker, workerHeapMb: 16 });
    const first = await runInQuickJs('exhaust-heap', null, { timeoutMs: 60_000, memoryLimitBytes: 16 * MiB, pool });
    expect(first).toMatchObject({ ok: false, error: { code: 'memory-limit' } });
    const second = await runInQuickJs('crash', null, { timeoutMs: 60_000, memoryLimitBytes: 16 * MiB, pool });
    expect(second).toMatchObject({ ok: false, error: { code: 'sandbox-fault', message: expect.stringContaining('the worker broke on purpose') } });
    expect(pool.stats()).toMatchObject({ workersStarted: 2, workersDied: 2, workers: 0, running: 0 });
  });

  it('decides between the abort and a guest failure by their recorded times, not by which message arrives first', async () => {
    const pool = newPool({ workerUrl: failingWorker, killGraceMs: 120_000 });
    const limits = { timeoutMs: 120_000, memoryLimitBytes: 16 * MiB, pool };
    /** Runs a stub call and aborts it once the stub announced that it took the call. */
    async function abortedRun(source: string): Promise<QuickJsOutcome> {
      const announcements = new BroadcastChannel('failing-quickjs-worker');
      try {
        const taken = new Promise((resolve) => announcements.addEventListener('message', resolve, { once: true }));
        const controller = new AbortController();
        const running = runInQuickJs(source, null, { ...limits, signal: controller.signal });
        await taken;
        controller.abort();
        return await running;
      } finally {
        announcements.close();
      }
    }
    // The guest failed after the caller's abort (it was reported as exit-code before): the abort was the first stop.
    expect(await abortedRun('fail-after-abort')).toMatchObject({ ok: false, error: { code: 'aborted', message: expect.stringContaining('tool-threw') } });
    // The guest failed on its own before the abort, though its report arrived after it: its own failure stands.
    expect(await abortedRun('fail-before-abort')).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    expect(pool.stats()).toMatchObject({ workersKilled: 0, running: 0 });
  });

  it('ends running and queued calls as aborted when closed, and refuses calls after', async () => {
    const pool = newPool({ maxWorkers: 1 });
    const spinning = runInQuickJs('export default () => { for (;;) {} };', null, { timeoutMs: 120_000, memoryLimitBytes: 16 * MiB, pool });
    const queued = runInQuickJs('export default () => 1;', null, { timeoutMs: 120_000, memoryLimitBytes: 16 * MiB, pool });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await pool.close();
    expect(await spinning).toMatchObject({ ok: false, error: { code: 'aborted' } });
    expect(await queued).toMatchObject({ ok: false, error: { code: 'aborted' } });
    expect(await runInQuickJs('export default () => 1;', null, { timeoutMs: 1000, memoryLimitBytes: 16 * MiB, pool })).toMatchObject({ ok: false, error: { code: 'aborted' } });
    expect(pool.stats()).toMatchObject({ workers: 0, running: 0, queued: 0 });
  });

  it('does not keep the process alive once its calls are done', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'lamarck-pool-exit-'));
    try {
      const script = path.join(directory, 'exit.ts');
      const sandbox = new URL('../../src/sandbox/quickjs-sandbox.ts', import.meta.url).href;
      writeFileSync(
        script,
        [
          `const { configureQuickJsPool, runInQuickJs, warmUpQuickJs } = await import(${JSON.stringify(sandbox)});`,
          // Idle workers would otherwise be ended after ten minutes, far past this test's patience.
          'await configureQuickJsPool({ idleTimeoutMs: 600000 });',
          'await warmUpQuickJs();',
          "const result = await runInQuickJs('export default (input) => input * 2;', 21, { timeoutMs: 30000, memoryLimitBytes: 16 * 1024 * 1024 });",
          'console.log(JSON.stringify(result.output));',
        ].join('\n'),
      );
      // An idle worker that held the process would end this by the timeout, with a signal.
      const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 50_000 });
      expect(child.signal).toBeNull();
      expect(child.status).toBe(0);
      expect(child.stdout.trim()).toBe('42');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
