import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LamarckError, NotFoundError, StoreError, VersionConflictError } from '../../src/core/errors.ts';
import type { JsonValue } from '../../src/core/json.ts';
import { readRunLease } from '../../src/store/run-lease.ts';
import type { Store } from '../../src/store/types.ts';
import { makeProgram, makeTrajectory } from './records.ts';

/**
 * What an implementation under test provides: a fresh, empty store, and (where the backing database
 * can be shared) a way to open a second Store on the same data, standing in for another process.
 */
export interface StoreHarness {
  store: Store;
  openAnother?: () => Promise<Store>;
  /** A URL other processes open the same data with (`openStore({ url })`), where real processes can share it. */
  sharedUrl?: string;
  cleanup(): Promise<void>;
}

/**
 * The one conformance suite for the Store contract. Every implementation (SQLite, memory, and later
 * PostgreSQL) runs it unchanged; nothing here may depend on how an implementation stores data.
 */
export function describeStoreConformance(name: string, factory: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await factory();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    /** Another Store on the same data, or the same one where the implementation cannot share. */
    async function secondStore(): Promise<Store> {
      return harness.openAnother === undefined ? store : harness.openAnother();
    }

    describe('identity', () => {
      it('declares its specification, kind, location and schema version', async () => {
        expect(store.specificationVersion).toBe('v1');
        expect(['sqlite', 'postgres', 'memory']).toContain(store.kind);
        expect(store.location.length).toBeGreaterThan(0);
        const version = await store.schemaVersion();
        expect(Number.isInteger(version)).toBe(true);
        expect(version).toBeGreaterThanOrEqual(1);
      });
    });

    describe('runs', () => {
      it('creates a running run with an empty summary and reads it back', async () => {
        const created = await store.createRun({ kind: 'evolve', name: 'circle packing', config: { islands: 4, model: 'x' } });
        expect(created.id).toMatch(/^run_/);
        expect(created).toMatchObject({ kind: 'evolve', name: 'circle packing', status: 'running', summary: {} });
        expect(created.config).toEqual({ islands: 4, model: 'x' });
        expect(created.updatedAt).toBe(created.createdAt);
        expect(await store.getRun(created.id)).toEqual(created);
        expect(await store.getRun('run_missing')).toBeUndefined();
      });

      it('uses a given id and refuses to create the same id twice', async () => {
        const created = await store.createRun({ id: 'run_fixed', kind: 'learn', name: 'a', config: {} });
        expect(created.id).toBe('run_fixed');
        await expect(store.createRun({ id: 'run_fixed', kind: 'learn', name: 'b', config: {} })).rejects.toBeInstanceOf(
          LamarckError,
        );
        expect((await store.getRun('run_fixed'))?.name).toBe('a');
      });

      it('lists runs newest first, filtered by kind and limited', async () => {
        const first = await store.createRun({ kind: 'evolve', name: 'first', config: {} });
        const second = await store.createRun({ kind: 'learn', name: 'second', config: {} });
        const third = await store.createRun({ kind: 'evolve', name: 'third', config: {} });
        expect((await store.listRuns()).map((run) => run.id)).toEqual([third.id, second.id, first.id]);
        expect((await store.listRuns({ kind: 'evolve' })).map((run) => run.id)).toEqual([third.id, first.id]);
        expect((await store.listRuns({ kind: 'agent' })).length).toBe(0);
        expect((await store.listRuns({ limit: 2 })).map((run) => run.id)).toEqual([third.id, second.id]);
      });

      it('updates only the fields a patch names', async () => {
        const run = await store.createRun({ kind: 'evolve', name: 'r', config: { a: 1 } });
        const finished = await store.updateRun(run.id, { status: 'finished' });
        expect(finished).toMatchObject({ status: 'finished', config: { a: 1 }, summary: {} });
        const summarised = await store.updateRun(run.id, { summary: { best: 0.9, programs: 10 } });
        expect(summarised).toMatchObject({ status: 'finished', config: { a: 1 }, summary: { best: 0.9, programs: 10 } });
        const reconfigured = await store.updateRun(run.id, { config: { a: 2 } });
        expect(reconfigured.config).toEqual({ a: 2 });
        expect(reconfigured.updatedAt).toBeGreaterThanOrEqual(run.createdAt);
        expect(await store.getRun(run.id)).toEqual(reconfigured);
      });

      it('fails to update a run that does not exist', async () => {
        await expect(store.updateRun('run_missing', { status: 'failed' })).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('programs', () => {
      it('assigns sequences in insertion order and round-trips every field', async () => {
        const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
        const seed = makeProgram(run.id, 'prg_seed');
        const child = makeProgram(run.id, 'prg_child', {
          parentId: 'prg_seed',
          inspirationIds: ['prg_seed', 'prg_other'],
          island: 2,
          generation: 1,
          status: 'failed',
          score: null,
          failure: { kind: 'timeout', message: 'evaluator ran past 10 s' },
          model: null,
          prompt: null,
          reply: null,
          files: { 'main.py': 'print("é ✓ 🧬")\n', 'lib/util.py': '' },
        });
        const storedSeed = await store.putProgram({ ...seed, sequence: 99 });
        const storedChild = await store.putProgram(child);
        expect(storedSeed.sequence).toBe(1);
        expect(storedChild.sequence).toBe(2);
        expect(await store.getProgram('prg_seed')).toEqual({ ...seed, sequence: 1 });
        expect(await store.getProgram('prg_child')).toEqual({ ...child, sequence: 2 });
        expect(await store.getProgram('prg_missing')).toBeUndefined();
      });

      it('treats a second put of the same id as a no-op that returns the stored program', async () => {
        const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
        await store.putProgram(makeProgram(run.id, 'prg_a'));
        await store.putProgram(makeProgram(run.id, 'prg_b'));
        const again = await store.putProgram(makeProgram(run.id, 'prg_a', { score: 0.99, diff: 'changed' }));
        expect(again.sequence).toBe(1);
        expect(again.score).toBe(0.5);
        expect(await store.countPrograms(run.id)).toBe(2);
        expect((await store.getProgram('prg_a'))?.diff).toBe(makeProgram(run.id, 'prg_a').diff);
        const next = await store.putProgram(makeProgram(run.id, 'prg_c'));
        expect(next.sequence).toBe(3);
      });

      it('pages through a run by afterSequence', async () => {
        const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
        const ids = Array.from({ length: 25 }, (_, index) => `prg_${String(index).padStart(3, '0')}`);
        for (const id of ids) await store.putProgram(makeProgram(run.id, id));
        const pages: string[][] = [];
        let after = 0;
        for (;;) {
          const page = await store.listPrograms(run.id, { afterSequence: after, limit: 10 });
          if (page.length === 0) break;
          pages.push(page.map((program) => program.id));
          after = page.at(-1)?.sequence ?? Number.NaN;
        }
        expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
        expect(pages.flat()).toEqual(ids);
        const all = await store.listPrograms(run.id);
        expect(all.map((program) => program.sequence)).toEqual(ids.map((_, index) => index + 1));
        expect((await store.listPrograms(run.id, { afterSequence: 23 })).map((program) => program.id)).toEqual(ids.slice(23));
      });

      it('lists program summaries without code or texts, in pages, with the fingerprint the writer stored', async () => {
        const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
        const other = await store.createRun({ kind: 'evolve', name: 'other', config: {} });
        await store.putProgram(makeProgram(other.id, 'prg_other'));
        const ids = Array.from({ length: 7 }, (_, index) => `prg_s${index}`);
        for (const [index, id] of ids.entries()) {
          await store.putProgram(makeProgram(run.id, id, index % 2 === 0 ? { fingerprint: `fp-${index}` } : {}));
        }
        const pages: string[][] = [];
        let after = 0;
        for (;;) {
          const page = await store.listProgramSummaries(run.id, { afterSequence: after, limit: 3 });
          if (page.length === 0) break;
          pages.push(page.map((summary) => summary.id));
          after = page.at(-1)?.sequence ?? Number.NaN;
        }
        expect(pages).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);
        const summaries = await store.listProgramSummaries(run.id);
        for (const [index, summary] of summaries.entries()) {
          const { files, diff, prompt, reply, artifacts, ...expected } = (await store.getProgram(ids[index]!))!;
          expect([files, diff, prompt, reply, artifacts].every((value) => value !== undefined)).toBe(true);
          expect(summary).toEqual(expected);
          expect(Object.keys(summary)).not.toContain('files');
          expect(Object.keys(summary)).not.toContain('prompt');
          expect(summary.fingerprint).toBe(index % 2 === 0 ? `fp-${index}` : undefined);
        }
        expect(await store.listProgramSummaries('run_missing')).toEqual([]);
      });

      it('numbers and counts each run separately', async () => {
        const left = await store.createRun({ kind: 'evolve', name: 'left', config: {} });
        const right = await store.createRun({ kind: 'evolve', name: 'right', config: {} });
        await store.putProgram(makeProgram(left.id, 'prg_l1'));
        const r1 = await store.putProgram(makeProgram(right.id, 'prg_r1'));
        const l2 = await store.putProgram(makeProgram(left.id, 'prg_l2'));
        expect(r1.sequence).toBe(1);
        expect(l2.sequence).toBe(2);
        expect(await store.countPrograms(left.id)).toBe(2);
        expect(await store.countPrograms(right.id)).toBe(1);
        expect(await store.countPrograms('run_missing')).toBe(0);
        expect((await store.listPrograms(right.id)).map((program) => program.id)).toEqual(['prg_r1']);
      });

      it('refuses a program of a run that does not exist', async () => {
        await expect(store.putProgram(makeProgram('run_missing', 'prg_orphan'))).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.getProgram('prg_orphan')).toBeUndefined();
      });

      it('keeps sequences unique when puts from two stores interleave', async () => {
        const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
        const other = await secondStore();
        const puts = Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? store : other).putProgram(makeProgram(run.id, `prg_${index}`)),
        );
        const stored = await Promise.all(puts);
        expect(new Set(stored.map((program) => program.sequence)).size).toBe(20);
        expect(await store.countPrograms(run.id)).toBe(20);
        if (other !== store) await other.close();
      });
    });

    describe('trajectories', () => {
      it('stores a trajectory, appends steps in order and reads them back', async () => {
        const trajectory = makeTrajectory('trj_1', { taskId: 'task-1' });
        await store.putTrajectory(trajectory);
        expect(await store.getTrajectory('trj_1')).toEqual({ ...trajectory, steps: [] });
        await store.appendTrajectoryStep('trj_1', { index: 0, type: 'model-call', at: 1, data: { tokens: 10 } });
        await store.appendTrajectoryStep('trj_1', { index: 1, type: 'tool-call', at: 2, data: { name: 'add', input: { a: 1 } } });
        await store.appendTrajectoryStep('trj_1', { index: 2, type: 'answer', at: 3, data: { text: '2' } });
        const read = await store.getTrajectory('trj_1');
        expect(read?.steps.map((step) => step.type)).toEqual(['model-call', 'tool-call', 'answer']);
        expect(read?.steps[1]).toEqual({ index: 1, type: 'tool-call', at: 2, data: { name: 'add', input: { a: 1 } } });
        expect(await store.getTrajectory('trj_missing')).toBeUndefined();
      });

      it('replaces the fields on a second put and keeps the steps', async () => {
        await store.putTrajectory(makeTrajectory('trj_1'));
        await store.appendTrajectoryStep('trj_1', { index: 0, type: 'plan', at: 1, data: {} });
        const finished = makeTrajectory('trj_1', {
          status: 'finished',
          answer: '42',
          verdict: { score: 1, passed: true, feedback: 'exact', source: 'verifier' },
          tokensIn: 300,
          tokensOut: 20,
          costUsd: 0.002,
          updatedAt: 1_700_000_000_500,
        });
        await store.putTrajectory(finished);
        expect(await store.getTrajectory('trj_1')).toEqual({ ...finished, steps: [{ index: 0, type: 'plan', at: 1, data: {} }] });
      });

      it('refuses a step for a missing trajectory and a step index written twice', async () => {
        await expect(store.appendTrajectoryStep('trj_missing', { index: 0, type: 'plan', at: 1, data: {} })).rejects.toBeInstanceOf(
          NotFoundError,
        );
        await store.putTrajectory(makeTrajectory('trj_1'));
        await store.appendTrajectoryStep('trj_1', { index: 0, type: 'plan', at: 1, data: { first: true } });
        await expect(store.appendTrajectoryStep('trj_1', { index: 0, type: 'plan', at: 2, data: {} })).rejects.toBeInstanceOf(
          LamarckError,
        );
        expect((await store.getTrajectory('trj_1'))?.steps).toEqual([{ index: 0, type: 'plan', at: 1, data: { first: true } }]);
      });

      it('lists oldest first, filtered by run and task, and limited', async () => {
        const run = await store.createRun({ kind: 'learn', name: 'r', config: {} });
        await store.putTrajectory(makeTrajectory('trj_c', { runId: run.id, taskId: 't1', createdAt: 3 }));
        await store.putTrajectory(makeTrajectory('trj_a', { runId: run.id, taskId: 't2', createdAt: 1 }));
        await store.putTrajectory(makeTrajectory('trj_b', { taskId: 't1', createdAt: 2 }));
        const ids = async (filter?: { runId?: string; taskId?: string; limit?: number }): Promise<string[]> =>
          (await store.listTrajectories(filter)).map((trajectory) => trajectory.id);
        expect(await ids()).toEqual(['trj_a', 'trj_b', 'trj_c']);
        expect(await ids({ runId: run.id })).toEqual(['trj_a', 'trj_c']);
        expect(await ids({ taskId: 't1' })).toEqual(['trj_b', 'trj_c']);
        expect(await ids({ runId: run.id, taskId: 't1' })).toEqual(['trj_c']);
        expect(await ids({ limit: 2 })).toEqual(['trj_a', 'trj_b']);
      });
    });

    describe('artifacts', () => {
      it('creates an artifact with its first version as head', async () => {
        const { artifact, version } = await store.createArtifact(
          { kind: 'skill', name: 'parse-csv' },
          { content: { description: 'parse CSV', body: '# steps' }, message: 'distilled from trj_1', trajectoryIds: ['trj_1'] },
        );
        expect(artifact).toMatchObject({
          kind: 'skill',
          name: 'parse-csv',
          status: 'candidate',
          headVersionId: version.id,
          headNumber: 1,
          uses: 0,
          successes: 0,
          helpful: 0,
          harmful: 0,
        });
        expect(version).toMatchObject({
          artifactId: artifact.id,
          number: 1,
          parentIds: [],
          content: { description: 'parse CSV', body: '# steps' },
          message: 'distilled from trj_1',
          trajectoryIds: ['trj_1'],
          evaluation: {},
        });
        expect(await store.getArtifact(artifact.id)).toEqual(artifact);
        expect(await store.findArtifact('skill', 'parse-csv')).toEqual(artifact);
        expect(await store.findArtifact('lesson', 'parse-csv')).toBeUndefined();
        expect(await store.getVersion(version.id)).toEqual(version);
        expect(await store.getArtifact('art_missing')).toBeUndefined();
        expect(await store.getVersion('ver_missing')).toBeUndefined();
      });

      it('keeps (kind, name) unique', async () => {
        await store.createArtifact({ kind: 'lesson', name: 'check-units', status: 'active' }, { content: { text: 'a' }, message: 'm' });
        await expect(
          store.createArtifact({ kind: 'lesson', name: 'check-units' }, { content: { text: 'b' }, message: 'm' }),
        ).rejects.toBeInstanceOf(VersionConflictError);
        const otherKind = await store.createArtifact({ kind: 'guardrail', name: 'check-units' }, { content: {}, message: 'm' });
        expect(otherKind.artifact.kind).toBe('guardrail');
        expect((await store.listArtifacts({ kind: 'lesson' })).length).toBe(1);
      });

      it('lists artifacts by kind and name, filtered by kind and status', async () => {
        await store.createArtifact({ kind: 'skill', name: 'b-skill', status: 'active' }, { content: {}, message: 'm' });
        await store.createArtifact({ kind: 'lesson', name: 'z-lesson' }, { content: {}, message: 'm' });
        await store.createArtifact({ kind: 'skill', name: 'a-skill' }, { content: {}, message: 'm' });
        const names = (records: { kind: string; name: string }[]): string[] => records.map((record) => `${record.kind}/${record.name}`);
        expect(names(await store.listArtifacts())).toEqual(['lesson/z-lesson', 'skill/a-skill', 'skill/b-skill']);
        expect(names(await store.listArtifacts({ kind: 'skill' }))).toEqual(['skill/a-skill', 'skill/b-skill']);
        expect(names(await store.listArtifacts({ status: 'candidate' }))).toEqual(['lesson/z-lesson', 'skill/a-skill']);
        expect(names(await store.listArtifacts({ kind: 'skill', status: 'active' }))).toEqual(['skill/b-skill']);
      });

      it('commits versions on the expected head, with the old head as default parent', async () => {
        const { artifact, version: first } = await store.createArtifact({ kind: 'prompt', name: 'system' }, { content: { text: 'v1' }, message: 'm1' });
        const second = await store.commitVersion(artifact.id, { content: { text: 'v2' }, message: 'm2', evaluation: { heldOut: 0.8 } }, first.id);
        expect(second).toMatchObject({ artifactId: artifact.id, number: 2, parentIds: [first.id], content: { text: 'v2' }, evaluation: { heldOut: 0.8 } });
        const merged = await store.commitVersion(artifact.id, { content: { text: 'v3' }, message: 'merge', parentIds: [second.id, 'ver_elsewhere'] }, second.id);
        expect(merged.parentIds).toEqual([second.id, 'ver_elsewhere']);
        const head = await store.getArtifact(artifact.id);
        expect(head).toMatchObject({ headVersionId: merged.id, headNumber: 3 });
        expect((await store.listVersions(artifact.id)).map((version) => version.number)).toEqual([1, 2, 3]);
        expect(await store.listVersions('art_missing')).toEqual([]);
      });

      it('rejects a commit on a stale head and changes nothing', async () => {
        const { artifact, version: first } = await store.createArtifact({ kind: 'skill', name: 's' }, { content: { v: 1 }, message: 'm' });
        const second = await store.commitVersion(artifact.id, { content: { v: 2 }, message: 'm' }, first.id);
        const before = await store.getArtifact(artifact.id);
        const attempt = store.commitVersion(artifact.id, { content: { v: 3 }, message: 'stale' }, first.id);
        await expect(attempt).rejects.toBeInstanceOf(VersionConflictError);
        await expect(attempt).rejects.toMatchObject({ code: 'version-conflict', isRetryable: true, details: { expected: first.id, actual: second.id } });
        expect(await store.getArtifact(artifact.id)).toEqual(before);
        expect((await store.listVersions(artifact.id)).length).toBe(2);
        await expect(store.commitVersion('art_missing', { content: {}, message: 'm' }, first.id)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('rolls back with setHead, and later commits continue the numbering', async () => {
        const { artifact, version: first } = await store.createArtifact({ kind: 'tool', name: 't' }, { content: { v: 1 }, message: 'm' });
        const second = await store.commitVersion(artifact.id, { content: { v: 2 }, message: 'regressed' }, first.id);
        const rolledBack = await store.setHead(artifact.id, first.id, second.id);
        expect(rolledBack).toMatchObject({ headVersionId: first.id, headNumber: 1 });
        expect(await store.getArtifact(artifact.id)).toEqual(rolledBack);
        await expect(store.setHead(artifact.id, second.id, second.id)).rejects.toBeInstanceOf(VersionConflictError);
        expect((await store.getArtifact(artifact.id))?.headVersionId).toBe(first.id);
        const third = await store.commitVersion(artifact.id, { content: { v: 3 }, message: 'retry' }, first.id);
        expect(third).toMatchObject({ number: 3, parentIds: [first.id] });
        expect((await store.listVersions(artifact.id)).map((version) => version.id)).toEqual([first.id, second.id, third.id]);
      });

      it('refuses to move a head to a version of another artifact', async () => {
        const one = await store.createArtifact({ kind: 'skill', name: 'one' }, { content: {}, message: 'm' });
        const two = await store.createArtifact({ kind: 'skill', name: 'two' }, { content: {}, message: 'm' });
        await expect(store.setHead(one.artifact.id, two.version.id, one.version.id)).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.setHead('art_missing', one.version.id, one.version.id)).rejects.toBeInstanceOf(NotFoundError);
        expect((await store.getArtifact(one.artifact.id))?.headVersionId).toBe(one.version.id);
      });

      it('sets the status', async () => {
        const { artifact } = await store.createArtifact({ kind: 'guardrail', name: 'g' }, { content: {}, message: 'm' });
        expect((await store.setArtifactStatus(artifact.id, 'active')).status).toBe('active');
        expect((await store.setArtifactStatus(artifact.id, 'retired')).status).toBe('retired');
        expect((await store.getArtifact(artifact.id))?.status).toBe('retired');
        await expect(store.setArtifactStatus('art_missing', 'active')).rejects.toBeInstanceOf(NotFoundError);
      });

      it('counts uses and outcomes without losing concurrent increments', async () => {
        const { artifact } = await store.createArtifact({ kind: 'lesson', name: 'l' }, { content: {}, message: 'm' });
        const other = await secondStore();
        const outcomes = Array.from({ length: 40 }, (_, index) =>
          (index % 2 === 0 ? store : other).recordArtifactUse(artifact.id, {
            success: index % 4 === 0,
            helpful: index % 5 === 0,
            harmful: index === 7,
          }),
        );
        await Promise.all(outcomes);
        expect(await store.getArtifact(artifact.id)).toMatchObject({ uses: 40, successes: 10, helpful: 8, harmful: 1 });
        const once = await store.recordArtifactUse(artifact.id, {});
        expect(once).toMatchObject({ uses: 41, successes: 10 });
        await expect(store.recordArtifactUse('art_missing', { success: true })).rejects.toBeInstanceOf(NotFoundError);
        if (other !== store) await other.close();
      });

      it('lets exactly one of two concurrent commits on the same head win', async () => {
        const { artifact, version: first } = await store.createArtifact({ kind: 'skill', name: 'contested' }, { content: { v: 1 }, message: 'm' });
        const other = await secondStore();
        const results = await Promise.allSettled([
          store.commitVersion(artifact.id, { content: { by: 'left' }, message: 'left' }, first.id),
          other.commitVersion(artifact.id, { content: { by: 'right' }, message: 'right' }, first.id),
        ]);
        const won = results.filter((result) => result.status === 'fulfilled');
        const lost = results.filter((result) => result.status === 'rejected');
        expect(won.length).toBe(1);
        expect(lost.length).toBe(1);
        expect(lost[0]?.status === 'rejected' ? lost[0].reason : undefined).toBeInstanceOf(VersionConflictError);
        const winner = won[0]?.status === 'fulfilled' ? won[0].value : undefined;
        expect((await other.getArtifact(artifact.id))?.headVersionId).toBe(winner?.id);
        expect((await store.listVersions(artifact.id)).length).toBe(2);
        if (other !== store) await other.close();
      });
    });

    describe('events', () => {
      it('numbers events per run and lists them in order, in pages', async () => {
        const run = await store.createRun({ kind: 'evolve', name: 'r', config: {} });
        const other = await store.createRun({ kind: 'evolve', name: 'other', config: {} });
        const types = ['run-started', 'candidate-start', 'candidate-evaluated', 'island-migrated', 'run-finished'];
        for (const [index, type] of types.entries()) {
          const event = await store.appendEvent(run.id, type, { index });
          expect(event).toMatchObject({ runId: run.id, sequence: index + 1, type, data: { index } });
          expect(typeof event.at).toBe('number');
        }
        expect((await store.appendEvent(other.id, 'run-started', {})).sequence).toBe(1);
        const events = await store.listEvents(run.id);
        expect(events.map((event) => event.type)).toEqual(types);
        expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5]);
        for (let index = 1; index < events.length; index += 1) {
          expect(events[index]!.at).toBeGreaterThanOrEqual(events[index - 1]!.at);
        }
        expect((await store.listEvents(run.id, { afterSequence: 2, limit: 2 })).map((event) => event.sequence)).toEqual([3, 4]);
        expect(await store.listEvents(run.id, { afterSequence: 5 })).toEqual([]);
        expect((await store.listEvents(other.id)).length).toBe(1);
      });

      it('refuses an event for a run that does not exist', async () => {
        await expect(store.appendEvent('run_missing', 'run-started', {})).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('state', () => {
      it('round-trips JSON values, overwrites, and tells null from missing', async () => {
        const values: JsonValue[] = [{ islands: [{ best: 0.5, members: ['a'] }], rng: [1, 2, 3, 4] }, [1, 'two', null], 'text', 3.25, false, null];
        for (const [index, value] of values.entries()) await store.putState('checkpoint', `key-${index}`, value);
        for (const [index, value] of values.entries()) expect(await store.getState('checkpoint', `key-${index}`)).toEqual(value);
        expect(await store.getState('checkpoint', 'absent')).toBeUndefined();
        await store.putState('checkpoint', 'key-0', { replaced: true });
        expect(await store.getState('checkpoint', 'key-0')).toEqual({ replaced: true });
        await store.putState('bandit', 'key-0', 7);
        expect(await store.getState('bandit', 'key-0')).toBe(7);
        expect(await store.getState('checkpoint', 'key-0')).toEqual({ replaced: true });
      });
    });

    describe('compare-and-set on state', () => {
      it('creates only where the key is absent, replaces only the expected value, and deletes', async () => {
        expect(await store.compareAndSetState('lease', 'run_a', undefined, { owner: 'a', revision: 1 })).toBe(true);
        expect(await store.compareAndSetState('lease', 'run_a', undefined, { owner: 'b', revision: 1 })).toBe(false);
        expect(await store.getState('lease', 'run_a')).toEqual({ owner: 'a', revision: 1 });
        // A stale expectation changes nothing.
        expect(await store.compareAndSetState('lease', 'run_a', { owner: 'a', revision: 0 }, { owner: 'b', revision: 2 })).toBe(false);
        expect(await store.getState('lease', 'run_a')).toEqual({ owner: 'a', revision: 1 });
        // Values compare as JSON documents: key order does not matter.
        expect(await store.compareAndSetState('lease', 'run_a', { revision: 1, owner: 'a' }, { owner: 'a', revision: 2 })).toBe(true);
        expect(await store.getState('lease', 'run_a')).toEqual({ owner: 'a', revision: 2 });
        // `undefined` as the next value deletes the key; a deleted key can be created again.
        expect(await store.compareAndSetState('lease', 'run_a', { owner: 'a', revision: 2 }, undefined)).toBe(true);
        expect(await store.getState('lease', 'run_a')).toBeUndefined();
        expect(await store.compareAndSetState('lease', 'run_a', { owner: 'a', revision: 2 }, undefined)).toBe(false);
        expect(await store.compareAndSetState('lease', 'run_a', undefined, 'again')).toBe(true);
        expect(await store.getState('lease', 'run_a')).toBe('again');
        // Scopes are separate namespaces.
        expect(await store.getState('other', 'run_a')).toBeUndefined();
      });

      it('tells a stored null from an absent key, and compares nested arrays and numbers exactly', async () => {
        await store.putState('cas', 'nothing', null);
        expect(await store.compareAndSetState('cas', 'nothing', undefined, 1)).toBe(false);
        expect(await store.compareAndSetState('cas', 'nothing', null, 1)).toBe(true);
        expect(await store.compareAndSetState('cas', 'absent', null, 1)).toBe(false);
        expect(await store.getState('cas', 'absent')).toBeUndefined();
        await store.putState('cas', 'nested', { list: [1, 2, { deep: 0.5 }] });
        expect(await store.compareAndSetState('cas', 'nested', { list: [2, 1, { deep: 0.5 }] }, 'x')).toBe(false);
        expect(await store.compareAndSetState('cas', 'nested', { list: [1, 2, { deep: 0.25 }] }, 'x')).toBe(false);
        expect(await store.compareAndSetState('cas', 'nested', { list: [1, 2, { deep: 0.5 }] }, 'x')).toBe(true);
        expect(await store.getState('cas', 'nested')).toBe('x');
      });

      it('lets exactly one of many concurrent claims on the same expected value win', async () => {
        const other = await secondStore();
        await store.putState('lease', 'contested', { owner: 'nobody', revision: 0 });
        const claims = Array.from({ length: 12 }, (_, index) =>
          (index % 2 === 0 ? store : other).compareAndSetState('lease', 'contested', { owner: 'nobody', revision: 0 }, { owner: `claimant-${index}`, revision: 1 }),
        );
        const results = await Promise.all(claims);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await other.getState('lease', 'contested')).toEqual({ owner: `claimant-${winner}`, revision: 1 });
        if (other !== store) await other.close();
      });
    });

    describe('compare-and-set across processes', () => {
      it('gives each lease and each key to exactly one of two real processes racing for them', async (context) => {
        if (harness.sharedUrl === undefined) {
          context.skip();
          return;
        }
        const rounds = 60;
        const contenders = ['left', 'right'].map((label) => startContender(harness.sharedUrl!, label, rounds));
        await Promise.all(contenders.map((contender) => contender.ready));
        for (const contender of contenders) contender.go();
        const reports = await Promise.all(contenders.map((contender) => contender.report));
        for (const contender of contenders) contender.exit();
        await Promise.all(contenders.map((contender) => contender.closed));
        for (let round = 0; round < rounds; round += 1) {
          const leaseWinners = reports.filter((report) => report.leases.includes(round));
          expect(leaseWinners.map((report) => report.label)).toHaveLength(1);
          expect(reports.filter((report) => report.swaps.includes(round))).toHaveLength(1);
          const stored = await store.getState('race', `key_${round}`);
          expect(stored).toEqual({ winner: reports.find((report) => report.swaps.includes(round))!.label });
          const lease = await readRunLease(store, `race_${round}`);
          expect(leaseWinners[0]!.owners).toContain(lease?.owner);
        }
        // Every lost claim was refused as held by the other, never as a store failure.
        for (const report of reports) expect(new Set(report.refusals)).toEqual(report.refusals.length === 0 ? new Set() : new Set(['run-leased']));
      }, 120_000);
    });

    describe('isolation', () => {
      it('hands out copies: mutating a returned or given record changes nothing stored', async () => {
        const config = { nested: { value: 1 } };
        const run = await store.createRun({ kind: 'evolve', name: 'r', config });
        config.nested.value = 2;
        run.config['nested'] = 'mutated';
        expect((await store.getRun(run.id))?.config).toEqual({ nested: { value: 1 } });
        const program = makeProgram(run.id, 'prg_copy');
        const stored = await store.putProgram(program);
        program.files['main.py'] = 'mutated';
        stored.metrics['accuracy'] = -1;
        expect((await store.getProgram('prg_copy'))?.files['main.py']).toBe(makeProgram(run.id, 'prg_copy').files['main.py']);
        expect((await store.getProgram('prg_copy'))?.metrics['accuracy']).toBe(0.5);
        const { version } = await store.createArtifact({ kind: 'skill', name: 'copied' }, { content: { body: 'b' }, message: 'm' });
        version.content['body'] = 'mutated';
        expect((await store.getVersion(version.id))?.content).toEqual({ body: 'b' });
        const state = { list: [1, 2] };
        await store.putState('s', 'k', state);
        state.list.push(3);
        expect(await store.getState('s', 'k')).toEqual({ list: [1, 2] });
      });
    });

    describe('close', () => {
      it('is idempotent and makes later calls fail with a StoreError', async () => {
        await store.close();
        await store.close();
        await expect(store.getRun('run_any')).rejects.toBeInstanceOf(StoreError);
      });
    });
  });
}

interface ContenderReport {
  label: string;
  leases: number[];
  refusals: string[];
  swaps: number[];
  owners: string[];
}

const contenderScript = new URL('./support/race-lease.ts', import.meta.url).pathname;

/** A real child process racing for leases; `ready` once its store is open, `report` with its last line. */
function startContender(
  url: string,
  label: string,
  rounds: number,
): { ready: Promise<void>; go(): void; report: Promise<ContenderReport>; exit(): void; closed: Promise<void> } {
  const child = spawn(process.execPath, [contenderScript, url, label, String(rounds)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let reported: (report: ContenderReport) => void = () => undefined;
  const report = new Promise<ContenderReport>((resolve) => {
    reported = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
    const reportLine = stdout.split('\n').find((line) => line.startsWith('{') && line.length > 0);
    if (reportLine !== undefined && stdout.includes(`${reportLine}\n`)) reported(JSON.parse(reportLine) as ContenderReport);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const closed = new Promise<void>((resolve, reject) => {
    child.on('close', (code) => {
      markReady();
      if (code === 0) resolve();
      else reject(new Error(`contender ${label} exited ${code}: ${stderr}`));
    });
  });
  // A contender that dies before reporting fails the report too, instead of leaving it pending.
  const failedEarly = closed.then(() => Promise.reject(new Error(`contender ${label} exited without a report: ${stderr}`)));
  failedEarly.catch(() => undefined);
  return {
    ready,
    go: () => child.stdin.write('go\n'),
    report: Promise.race([report, failedEarly]),
    exit: () => child.stdin.end('exit\n'),
    closed,
  };
}
