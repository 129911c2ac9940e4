import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, VersionConflictError } from '../../../src/core/errors.ts';
import type { Store } from '../../../src/store/types.ts';
import type { ConformanceContext } from './context.ts';

/** Artifacts and their versions: (kind, name) unique, optimistic head moves, atomic use counters. */
export function describeArtifactsConformance(context: ConformanceContext): void {
  describe('artifacts', () => {
    let store: Store;
    beforeEach(() => {
      store = context.store();
    });

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

    it('reads many versions at once, in the order asked, each once, leaving out unknown ids', async () => {
      expect(await store.getVersions([])).toEqual([]);
      const first = await store.createArtifact({ kind: 'lesson', name: 'first' }, { content: { text: 'one' }, message: 'm' });
      const second = await store.createArtifact({ kind: 'skill', name: 'second' }, { content: { body: 'two' }, message: 'm' });
      const update = await store.commitVersion(first.artifact.id, { content: { text: 'one, again' }, message: 'm2' }, first.version.id);
      const asked = [update.id, 'ver_missing', second.version.id, first.version.id, update.id];
      expect(await store.getVersions(asked)).toEqual([update, second.version, first.version]);
      // More ids than one statement's chunk: the bulk read must not drop or reorder any.
      const many = [];
      for (let index = 0; index < 1203; index += 1) many.push(`ver_absent_${index}`);
      expect(await store.getVersions([...many, second.version.id])).toEqual([second.version]);
    });

    it('moves the change mark on every artifact write, from either store, and not on reads', async () => {
      const other = await context.secondStore();
      const marks = [await store.artifactChangeMark()];
      const moved = async (): Promise<boolean> => {
        // Read from the other store: a watcher in another process must see each write.
        const mark = await other.artifactChangeMark();
        const changed = mark !== marks.at(-1);
        marks.push(mark);
        return changed;
      };
      const { artifact, version } = await store.createArtifact({ kind: 'lesson', name: 'watched' }, { content: { text: 'a' }, message: 'm' });
      expect(await moved()).toBe(true);
      await store.listArtifacts();
      await store.getVersions([version.id]);
      expect(await moved()).toBe(false);
      const second = await other.commitVersion(artifact.id, { content: { text: 'b' }, message: 'm' }, version.id);
      expect(await moved()).toBe(true);
      await store.setHead(artifact.id, version.id, second.id);
      expect(await moved()).toBe(true);
      await store.setArtifactStatus(artifact.id, 'active');
      expect(await moved()).toBe(true);
      await store.recordArtifactUse(artifact.id, { success: true });
      expect(await moved()).toBe(true);
      expect(await store.artifactChangeMark()).toBe(marks.at(-1));
      if (other !== store) await other.close();
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
      const other = await context.secondStore();
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
      const other = await context.secondStore();
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
}
