import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteJobQueue } from '../../src/queue/sqlite-job-queue.ts';

const script = new URL('./support/drain-queue.ts', import.meta.url).pathname;

function startDrainer(path: string, workerId: string): { ready: Promise<void>; go(): void; report: Promise<{ workerId: string; jobIds: string[] }> } {
  const child = spawn(process.execPath, [script, path, workerId], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const report = new Promise<{ workerId: string; jobIds: string[] }>((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`drainer ${workerId} exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { workerId: string; jobIds: string[] });
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), report };
}

describe('SqliteJobQueue shared by several processes', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'lamarck-queue-processes-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('never gives one job to two worker processes, and completes every job once', async () => {
    const path = join(directory, 'lamarck.db');
    const queue = SqliteJobQueue.open({ path });
    const total = 120;
    for (let index = 0; index < total; index += 1) await queue.enqueue('evaluate', { index });
    const drainers = ['a', 'b', 'c'].map((workerId) => startDrainer(path, workerId));
    await Promise.all(drainers.map((drainer) => drainer.ready));
    for (const drainer of drainers) drainer.go();
    const reports = await Promise.all(drainers.map((drainer) => drainer.report));
    const claimed = reports.flatMap((report) => report.jobIds);
    expect(claimed.length).toBe(total);
    expect(new Set(claimed).size).toBe(total);
    expect(await queue.counts('evaluate')).toEqual({ queued: 0, active: 0, completed: total, dead: 0 });
    await queue.close();
  });
});
