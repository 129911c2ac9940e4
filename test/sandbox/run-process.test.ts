import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasExitPending } from '../../src/sandbox/process-group-usage.ts';
import { liveProcessGroupCount } from '../../src/sandbox/process-group-registry.ts';
import { resolveInterpreter } from '../../src/sandbox/resolve-interpreter.ts';
import { runProcess } from '../../src/sandbox/run-process.ts';

/**
 * Every limit here is either generous (the case ends on its own evidence: an exit, a memory
 * verdict, an output count) or load-independent (CPU time for a loop, the wall clock for a sleep),
 * so the suite gives the same answers on an idle machine and on a busy one.
 */
let python = 'python3';
beforeAll(async () => {
  python = (await resolveInterpreter(['python3']))[0]!;
});

/** Blocks this thread (timers, I/O, everything) until `done` holds, checking every 5 ms, at most `limitMs`. */
function blockUntil(done: () => boolean, limitMs: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const started = performance.now();
  while (!done() && performance.now() - started < limitMs) Atomics.wait(cell, 0, 0, 5);
}

/** True while the process exists and is not a zombie (a container's init may never reap orphans). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILL is delivered asynchronously; give the kernel a moment before concluding. */
async function waitUntilGone(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (!isRunning(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('runProcess', () => {
  it('kills a sleeping command at the wall-clock limit, and records that stop', async () => {
    const result = await runProcess({ command: ['sleep', '100'], timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.exitCode).toBeNull();
    expect(result.stop?.reason).toBe('wall-time');
    expect(result.stop?.atMs).toBeGreaterThanOrEqual(300);
  });

  it('kills a busy loop at its CPU-time limit, with a wall clock that a busy machine cannot reach', async () => {
    const result = await runProcess({ command: [python, '-c', 'while True: pass'], timeoutMs: 300_000, cpuTimeLimitMs: 500 });
    expect(result).toMatchObject({ cpuTimeExceeded: true, timedOut: false, stop: { reason: 'cpu-time' } });
    expect(['SIGKILL', 'SIGXCPU']).toContain(result.signal);
  });

  it('is stopped by the kernel at its CPU-time limit even while the host cannot sample', async () => {
    let pid = 0;
    const pending = runProcess({
      command: [python, '-c', 'while True: pass'],
      timeoutMs: 300_000,
      cpuTimeLimitMs: 1000,
      onSpawn: (spawned) => (pid = spawned),
    });
    // No timer of ours runs while this thread is blocked: only RLIMIT_CPU can end the loop.
    blockUntil(() => hasExitPending(pid) === true, 240_000);
    const result = await pending;
    expect(result).toMatchObject({ signal: 'SIGXCPU', cpuTimeExceeded: true, timedOut: false, stop: { reason: 'cpu-time' } });
  });

  it('lets an exit already pending at the deadline win over the wall clock', async () => {
    let pid = 0;
    const pending = runProcess({ command: ['sh', '-c', 'echo done'], timeoutMs: 200, onSpawn: (spawned) => (pid = spawned) });
    // The host is blocked past the deadline, and the child has exited by then: both are queued.
    const started = performance.now();
    blockUntil(() => hasExitPending(pid) === true && performance.now() - started > 400, 240_000);
    expect(hasExitPending(pid)).toBe(true);
    const result = await pending;
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, stdout: 'done\n', stop: { reason: 'exit' } });
  });

  it('kills a grandchild left running in the background when the leader exits', async () => {
    const result = await runProcess({ command: ['sh', '-c', 'sleep 100 & echo $!; exit 0'], timeoutMs: 60_000 });
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
    const grandchild = Number(result.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(await waitUntilGone(grandchild)).toBe(true);
  });

  it('kills a double-forked grandchild when the leader is stopped', async () => {
    const script = [
      'import os, sys, time',
      'if os.fork() == 0:',
      '    pid = os.fork()',
      '    if pid == 0:',
      '        time.sleep(100)',
      '    else:',
      '        print(pid, flush=True)',
      '        os._exit(0)',
      'else:',
      '    os.wait()',
      '    while True: pass',
    ].join('\n');
    const result = await runProcess({ command: [python, '-c', script], timeoutMs: 300_000, cpuTimeLimitMs: 1000 });
    expect(result.cpuTimeExceeded).toBe(true);
    const orphan = Number(result.stdout.trim());
    expect(orphan).toBeGreaterThan(0);
    expect(await waitUntilGone(orphan)).toBe(true);
  });

  it('kills a python memory blow-up as memoryExceeded', async () => {
    // 8 MiB of touched pages every 10 ms, up to 4 GiB: far over the limit if never stopped.
    const script = 'import time\nchunks = []\nfor _ in range(512):\n    chunks.append(b"x" * (8 << 20))\n    time.sleep(0.01)';
    const result = await runProcess({ command: [python, '-c', script], timeoutMs: 300_000, memoryLimitMb: 100, memoryEnforcement: 'rss-sampling' });
    expect(result).toMatchObject({ memoryExceeded: true, timedOut: false, signal: 'SIGKILL', memoryEnforcement: 'rss-sampling', stop: { reason: 'memory' } });
    expect(result.peakMemoryMb).toBeGreaterThan(100);
  });

  it('caps 100 MB of output to its head and tail with an exact byte count', async () => {
    const script = [
      'import sys',
      'out = sys.stdout.buffer',
      'out.write(b"BEGIN-")',
      'chunk = b"x" * (1 << 20)',
      'for _ in range(100): out.write(chunk)',
      'out.write(b"-END")',
    ].join('\n');
    const result = await runProcess({ command: [python, '-c', script], timeoutMs: 300_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stdoutBytes).toBe(100 * (1 << 20) + 'BEGIN-'.length + '-END'.length);
    expect(result.truncated).toBe(true);
    expect(result.stdout.startsWith('BEGIN-xxx')).toBe(true);
    expect(result.stdout.endsWith('xxx-END')).toBe(true);
    const dropped = result.stdoutBytes - 128 * 1024;
    expect(result.stdout).toContain(`[... ${dropped} bytes dropped ...]`);
    // What the host keeps is the head and the tail, not the 100 MB that went through the pipe.
    expect(result.stdout.length).toBeLessThan(128 * 1024 + 100);
  });

  it('kills the group as soon as a stream passes its output limit, instead of draining the rest', async () => {
    const script = 'import sys\nchunk = b"y" * (1 << 20)\nfor _ in range(100): sys.stdout.buffer.write(chunk)';
    const result = await runProcess({ command: [python, '-c', script], timeoutMs: 300_000, maxOutputBytes: 100_000, outputLimitBytes: 100_000 });
    expect(result).toMatchObject({ outputLimitExceeded: true, signal: 'SIGKILL', timedOut: false, stop: { reason: 'output-limit' } });
    // Killed at the cap: what went through the pipe is a small part of the 100 MB it meant to write.
    expect(result.stdoutBytes).toBeGreaterThan(100_000);
    expect(result.stdoutBytes).toBeLessThan(20 * (1 << 20));
  });

  it('counts output that passed the limit even when the child exited before it was read', async () => {
    const result = await runProcess({ command: ['sh', '-c', 'head -c 5000 /dev/zero'], timeoutMs: 60_000, outputLimitBytes: 1000 });
    expect(result.outputLimitExceeded).toBe(true);
    expect(result.stdoutBytes).toBeGreaterThan(1000);
  });

  it('keeps short output whole and separates stdout from stderr', async () => {
    const result = await runProcess({ command: ['sh', '-c', 'echo out; echo err >&2'], timeoutMs: 60_000 });
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', stdoutBytes: 4, stderrBytes: 4, truncated: false, stop: { reason: 'exit' } });
  });

  it('reports a non-zero exit code', async () => {
    const result = await runProcess({ command: ['sh', '-c', 'exit 3'], timeoutMs: 60_000 });
    expect(result.exitCode).toBe(3);
    expect(result.signal).toBeNull();
    expect(result.timedOut).toBe(false);
  });

  it('passes stdin to the child', async () => {
    const result = await runProcess({
      command: [python, '-c', 'import sys; print(sys.stdin.read().upper())'],
      stdin: 'hello sandbox',
      timeoutMs: 60_000,
    });
    expect(result.stdout.trim()).toBe('HELLO SANDBOX');
  });

  it('kills the group when the abort signal fires', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await runProcess({ command: ['sleep', '100'], timeoutMs: 60_000, signal: controller.signal });
    expect(result.aborted).toBe(true);
    expect(result.stop?.reason).toBe('aborted');
    expect(result.timedOut).toBe(false);
    expect(result.signal).toBe('SIGKILL');
  });

  it('does not start a command when the signal is already aborted', async () => {
    const result = await runProcess({ command: ['sleep', '100'], timeoutMs: 60_000, signal: AbortSignal.abort() });
    expect(result.aborted).toBe(true);
    expect(result.exitCode).toBeNull();
  });

  it('passes only a minimal environment plus what is asked for', async () => {
    process.env.LAMARCK_TEST_SECRET = 'do-not-leak';
    try {
      const result = await runProcess({ command: ['env'], env: { EXTRA: 'yes' }, timeoutMs: 60_000 });
      const names = result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=')[0])
        .sort();
      expect(names).toEqual(['EXTRA', 'HOME', 'LANG', 'PATH']);
      expect(result.stdout).not.toContain('do-not-leak');
    } finally {
      delete process.env.LAMARCK_TEST_SECRET;
    }
  });

  it('resolves with a spawn error for a command that does not exist', async () => {
    const result = await runProcess({ command: ['/nonexistent/lamarck-no-such-command'], timeoutMs: 60_000 });
    expect(result.spawnError).toMatch(/ENOENT/);
    expect(result.exitCode).toBeNull();
    // The same under the address-space wrapper (a memory limit on a non-Node command).
    const wrapped = await runProcess({ command: ['lamarck-no-such-command'], timeoutMs: 60_000, memoryLimitMb: 64 });
    expect(wrapped.spawnError).toMatch(/ENOENT/);
    expect(wrapped.exitCode).toBeNull();
  });

  it('applies the address-space cap to a single huge allocation', async () => {
    const result = await runProcess({
      command: [python, '-c', 'x = bytearray(8 << 30)'],
      timeoutMs: 300_000,
      memoryLimitMb: 64,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('MemoryError');
  });

  it('kills live children when the host process exits', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'lamarck-exit-'));
    try {
      const script = path.join(directory, 'host.ts');
      const pidFile = path.join(directory, 'child.pid');
      const runProcessUrl = new URL('../../src/sandbox/run-process.ts', import.meta.url).href;
      writeFileSync(
        script,
        [
          `import { existsSync } from 'node:fs';`,
          `import { runProcess } from ${JSON.stringify(runProcessUrl)};`,
          `void runProcess({ command: ['sh', '-c', 'echo $$ > "$1"; exec sleep 100', 'sh', ${JSON.stringify(pidFile)}], timeoutMs: 60_000 });`,
          // Exit normally as soon as the child has started.
          `const wait = setInterval(() => { if (existsSync(${JSON.stringify(pidFile)})) { clearInterval(wait); setTimeout(() => process.exit(0), 50); } }, 10);`,
        ].join('\n'),
      );
      execFileSync(process.execPath, [script], { timeout: 20_000 });
      const child = Number(readFileSync(pidFile, 'utf8').trim());
      expect(child).toBeGreaterThan(0);
      expect(await waitUntilGone(child)).toBe(true);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('forgets every group once its run has ended', async () => {
    await Promise.all([
      runProcess({ command: ['true'], timeoutMs: 60_000 }),
      runProcess({ command: ['sleep', '10'], timeoutMs: 100 }),
    ]);
    expect(liveProcessGroupCount()).toBe(0);
  });
});
