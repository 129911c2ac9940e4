import { mkdirSync, mkdtempSync, openSync, closeSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDoctorCommand, type DoctorReport } from '../../src/cli/commands/doctor.ts';
import { createCliContext } from '../../src/cli/context.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { ProgramRecord } from '../../src/store/types.ts';

/**
 * A store whose file is damaged in the middle (the first pages, which opening reads, are intact):
 * `doctor` must name it, and no new run may be written into it.
 */
const pageSize = 4096;

function program(runId: string, index: number): ProgramRecord {
  return {
    id: `prg_damage_${index}`,
    runId,
    parentId: null,
    inspirationIds: [],
    island: 0,
    generation: 0,
    operator: 'initial',
    files: { 'main.py': `# program ${index}\n${'x = 1\n'.repeat(300)}` },
    diff: '',
    status: 'evaluated',
    score: index,
    metrics: {},
    features: {},
    artifacts: {},
    failure: null,
    model: null,
    prompt: null,
    reply: null,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    timing: { proposeMs: 0, evaluateMs: 0 },
    createdAt: 1_700_000_000_000 + index,
  };
}

/** A real store of a few hundred pages in `directory/.lamarck/lamarck.db`, closed (so the WAL is folded into the file). */
async function makeStore(directory: string): Promise<{ file: string; runId: string }> {
  mkdirSync(path.join(directory, '.lamarck'), { recursive: true });
  const file = path.join(directory, '.lamarck', 'lamarck.db');
  const store = SqliteStore.open({ path: file });
  const run = await store.createRun({ kind: 'evolve', name: 'damaged', config: {} });
  for (let index = 0; index < 300; index += 1) await store.putProgram(program(run.id, index));
  await store.close();
  return { file, runId: run.id };
}

/** Overwrites one page in the middle of the file with bytes no b-tree page can hold. */
function damageMiddlePage(file: string): void {
  const pages = Math.floor(statSync(file).size / pageSize);
  expect(pages).toBeGreaterThan(50);
  const descriptor = openSync(file, 'r+');
  try {
    writeSync(descriptor, Buffer.alloc(pageSize, 0xa5), 0, pageSize, Math.floor(pages / 2) * pageSize);
  } finally {
    closeSync(descriptor);
  }
}

function capture(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

async function doctor(cwd: string): Promise<{ code: number; report: DoctorReport }> {
  const stdout = capture();
  const context = createCliContext({ cwd, env: {}, streams: { stdout, stderr: capture() } });
  const command = new Command('lamarck').option('--json').exitOverride();
  registerDoctorCommand(command, context);
  await command.parseAsync(['doctor', '--json', '--no-probe'], { from: 'user' });
  await context.close();
  return { code: context.exitCode, report: JSON.parse(stdout.text()) as DoctorReport };
}

describe('a store damaged in the middle of its file', () => {
  it('is named by doctor, while a sound one passes its check', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'lamarck-damaged-'));
    const { file } = await makeStore(directory);
    const sound = await doctor(directory);
    expect(sound.report.checks.find((check) => check.name === 'store')).toMatchObject({ status: 'ok' });

    damageMiddlePage(file);
    const damaged = await doctor(directory);
    const store = damaged.report.checks.find((check) => check.name === 'store');
    expect(store?.status).toBe('fail');
    expect(store?.detail).toContain(file);
    expect(store?.detail).toContain('damaged');
    expect(damaged.report.canRun).toBe(false);
    expect(damaged.code).toBe(1);
  });

  it('refuses every write once opened, naming the file, and still reads the intact pages', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'lamarck-damaged-'));
    const { file, runId } = await makeStore(directory);
    damageMiddlePage(file);
    const sizeBefore = statSync(file).size;
    const store = SqliteStore.open({ path: file });
    try {
      expect((await store.getRun(runId))?.name).toBe('damaged');
      const refusal = store.createRun({ kind: 'evolve', name: 'new', config: {} });
      await expect(refusal).rejects.toMatchObject({ code: 'store-damaged' });
      await expect(refusal).rejects.toThrow(file);
      await expect(store.putState('scope', 'key', 1)).rejects.toMatchObject({ code: 'store-damaged' });
    } finally {
      await store.close();
    }
    expect(statSync(file).size).toBe(sizeBefore);
  });

  it('on a store too big to check on open, refuses writes from the first statement that meets the damage', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'lamarck-damaged-'));
    const { file, runId } = await makeStore(directory);
    damageMiddlePage(file);
    // Checked on open only up to 0 bytes: the damage is found when a statement reads the broken page.
    const store = SqliteStore.open({ path: file, quickCheckOnOpenMaxBytes: 0 });
    try {
      const reading = async (): Promise<void> => {
        for (let after = 0; ; after += 50) {
          const page = await store.listPrograms(runId, { afterSequence: after, limit: 50 });
          if (page.length === 0) return;
        }
      };
      await expect(reading()).rejects.toMatchObject({ code: 'store-damaged' });
      const refusal = store.createRun({ kind: 'evolve', name: 'new', config: {} });
      await expect(refusal).rejects.toMatchObject({ code: 'store-damaged' });
      await expect(refusal).rejects.toThrow(file);
      // doctor's check finds the same damage however big the file is.
      expect((await store.checkIntegrity()).length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
