import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunPrograms } from '../../src/serve/run-programs.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/types.ts';
import { programRecord } from './support/program-records.ts';

/**
 * The dashboard's in-memory index of a run's programs must show every program stored before the
 * request that reads it: a page refetches because the live stream announced a new program, and
 * nothing announces it a second time. A result reused from an earlier read, or a read that began
 * before the program was written, leaves the page on the old count for good (one loaded run's
 * browser test waited 45 s for "11 programs" that way).
 */
let root: string;
let store: SqliteStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lamarck-run-programs-'));
  store = SqliteStore.open({ path: join(root, 'store.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

/** The store, with the first program read held after it has read (as a busy event loop holds it) until released. */
function holdingFirstRead(inner: Store): { store: Store; started: Promise<void>; release(): void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  let held = false;
  const wrapped = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'listProgramSummaries' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        const result = (await (value as (...parameters: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
        if (!held) {
          held = true;
          markStarted();
          await gate;
        }
        return result;
      };
    },
  });
  return { store: wrapped, started, release };
}

describe('RunPrograms.refresh', () => {
  it('shows a program stored right after the previous read', async () => {
    const run = await store.createRun({ kind: 'evolve', name: 'fresh', config: {} });
    await store.putProgram(programRecord(run.id, 0));
    const index = new RunPrograms(store, run.id);
    await index.refresh();
    expect(index.size).toBe(1);
    await store.putProgram(programRecord(run.id, 1));
    await index.refresh();
    expect(index.size).toBe(2);
  });

  it('does not hand a caller a read that began before the program it was told about was stored', async () => {
    const run = await store.createRun({ kind: 'evolve', name: 'in-flight', config: {} });
    await store.putProgram(programRecord(run.id, 0));
    const holding = holdingFirstRead(store);
    const index = new RunPrograms(holding.store, run.id);
    const earlier = index.refresh();
    await holding.started;
    // The earlier read has its rows (one program) and is held; now a program is stored and a page asks.
    await store.putProgram(programRecord(run.id, 1));
    const later = index.refresh();
    holding.release();
    await earlier;
    await later;
    expect(index.size).toBe(2);
    expect(index.programs.map((program) => program.id)).toEqual([`prg_${run.id}_0`, `prg_${run.id}_1`]);
  });

  it('makes one follow-up read for all the callers that arrived during a read', async () => {
    const run = await store.createRun({ kind: 'evolve', name: 'burst', config: {} });
    await store.putProgram(programRecord(run.id, 0));
    let reads = 0;
    const counting = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property === 'listProgramSummaries') reads += 1;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const index = new RunPrograms(counting, run.id);
    await Promise.all([index.refresh(), index.refresh(), index.refresh(), index.refresh()]);
    expect(reads).toBe(2);
    expect(index.size).toBe(1);
  });
});
