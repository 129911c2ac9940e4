import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.ts';

interface ChildReport {
  label: string;
  commit: string;
  sequences: number[];
}

const script = new URL('./support/contend.ts', import.meta.url).pathname;

/** Starts a child, resolves `ready` once its store is open, and `report` with its final line. */
function startChild(args: string[]): { ready: Promise<void>; go(): void; report: Promise<ChildReport> } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
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
  const report = new Promise<ChildReport>((resolve, reject) => {
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve(JSON.parse(last) as ChildReport);
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), report };
}

describe('SqliteStore shared by several processes', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'lamarck-processes-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('lets one commit win, loses no increment and never repeats a sequence', async () => {
    const path = join(directory, 'lamarck.db');
    const store = SqliteStore.open({ path });
    const run = await store.createRun({ kind: 'evolve', name: 'shared', config: {} });
    const { artifact, version } = await store.createArtifact({ kind: 'skill', name: 'shared' }, { content: {}, message: 'seed' });
    const perChild = 15;
    const labels = ['a', 'b', 'c', 'd'];
    const children = labels.map((label) => startChild([path, artifact.id, version.id, run.id, label, String(perChild)]));
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) child.go();
    const reports = await Promise.all(children.map((child) => child.report));

    expect(reports.filter((report) => report.commit === 'won').length).toBe(1);
    expect(reports.filter((report) => report.commit === 'version-conflict').length).toBe(labels.length - 1);
    const head = await store.getArtifact(artifact.id);
    expect(head).toMatchObject({ headNumber: 2, uses: labels.length * perChild, successes: labels.length * Math.ceil(perChild / 2) });
    expect((await store.listVersions(artifact.id)).length).toBe(2);
    const sequences = reports.flatMap((report) => report.sequences);
    expect(new Set(sequences).size).toBe(labels.length * perChild);
    const listed = await store.listPrograms(run.id);
    expect(listed.map((program) => program.sequence)).toEqual(Array.from({ length: labels.length * perChild }, (_, index) => index + 1));
    await store.close();
  });
});
