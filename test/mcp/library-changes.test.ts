import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.ts';
import type { LibraryChangeSet } from '../../src/mcp/library-changes.ts';
import { openMcpLibrary, type OpenMcpLibrary } from '../../src/mcp/open-mcp-library.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { skill, temporaryDirectory } from '../library/support.ts';
import { seedLibrary } from './support.ts';

/**
 * The change watcher on its own, with two connections to one SQLite file (as two processes would
 * have): each check is called directly, so what it reports depends only on what was written.
 * The long poll interval keeps the timer out of it.
 */
describe('LibraryChanges', () => {
  let directory: { path: string; remove(): void };
  let served: OpenMcpLibrary;
  let servingStore: SqliteStore;
  let writerStore: SqliteStore;
  let writer: Library;
  let heard: LibraryChangeSet[];

  beforeEach(async () => {
    directory = temporaryDirectory('lamarck-mcp-changes-');
    const path = join(directory.path, 'lamarck.db');
    writerStore = SqliteStore.open({ path });
    writer = new Library({ store: writerStore });
    await seedLibrary(writer);
    servingStore = SqliteStore.open({ path });
    served = await openMcpLibrary({ library: new Library({ store: servingStore }), tokenBudget: 1200, maxItems: 6, pollMs: 3_600_000, log: () => undefined });
    heard = [];
    served.shared.changes.subscribe((change) => heard.push(change));
  });

  afterEach(async () => {
    await served.close();
    await servingStore.close();
    await writerStore.close();
    directory.remove();
  });

  it('reports nothing when nothing moved', async () => {
    await served.shared.changes.check();
    expect(heard).toEqual([]);
  });

  it('reads only the change mark while nothing moves, and every artifact once another connection writes', async () => {
    let artifactReads = 0;
    const listArtifacts = servingStore.listArtifacts.bind(servingStore);
    // Counts the reads a look makes; the store underneath is the real one.
    servingStore.listArtifacts = async (filter) => {
      artifactReads += 1;
      return listArtifacts(filter);
    };
    for (let look = 0; look < 3; look += 1) await served.shared.changes.check();
    expect(artifactReads).toBe(0);
    expect(served.shared.changes.ticks).toBeGreaterThanOrEqual(3);

    await writer.rollback('skill', 'csv-column-sums', 1);
    await served.shared.changes.check();
    expect(artifactReads).toBeGreaterThan(0);
    expect(heard.map((change) => change.items)).toEqual([[{ kind: 'skill', name: 'csv-column-sums' }]]);
    const afterChange = artifactReads;
    await served.shared.changes.check();
    expect(artifactReads).toBe(afterChange);
  });

  it("reports another connection's commit, with the skill's files, after the index and the catalog have it", async () => {
    await writer.update('skill', 'csv-column-sums', (current) => ({ ...current.content, body: `${current.content.body}4. Round to cents.\n` }));
    await served.shared.changes.check();
    expect(heard).toHaveLength(1);
    expect(heard[0]!.items).toEqual([{ kind: 'skill', name: 'csv-column-sums' }]);
    expect(heard[0]!.skills.changed).toEqual(['skill://csv-column-sums/SKILL.md']);
    expect(heard[0]!.skillFileUris.sort()).toEqual(['skill://csv-column-sums/SKILL.md', 'skill://csv-column-sums/references/FORMAT.md']);
    expect(served.shared.view.index.entries().find((entry) => entry.name === 'csv-column-sums')?.version.number).toBe(3);
    expect(served.shared.skills.skills.find((entry) => entry.frontmatter.name === 'csv-column-sums')?._meta).toMatchObject({ 'lamarck/version': 3 });
  });

  it('reports a retired skill as removed from the skills catalog, and a new one as added', async () => {
    await writer.add('skill', 'tsv-column-sums', skill('Sum the numeric columns of a TSV file.'));
    await writer.retire('skill', 'csv-column-sums');
    await served.shared.changes.check();
    expect(heard).toHaveLength(1);
    expect(heard[0]!.items).toEqual(expect.arrayContaining([{ kind: 'skill', name: 'tsv-column-sums' }, { kind: 'skill', name: 'csv-column-sums' }]));
    expect(heard[0]!.skills).toEqual({ added: ['skill://tsv-column-sums/SKILL.md'], removed: ['skill://csv-column-sums/SKILL.md'], changed: [] });
    expect(served.shared.skills.skills.map((entry) => entry.frontmatter.name)).toEqual(['tsv-column-sums']);
  });

  it('refreshes utilities from counters without announcing them', async () => {
    await writer.recordUse('lesson', 'fahrenheit-to-celsius', { success: true });
    await served.shared.changes.check();
    expect(heard).toEqual([]);
    expect(served.shared.view.index.entries().find((entry) => entry.name === 'fahrenheit-to-celsius')?.utility).toBeCloseTo(2 / 3);
  });

  it('checks at once when this process writes through its own library', async () => {
    const library = served.shared.view.library;
    const checked = new Promise<void>((resolve) => served.shared.changes.subscribe(() => resolve()));
    await library.rollback('skill', 'csv-column-sums', 1);
    // No check() call here: the library's own change event started one.
    await checked;
    expect(heard.at(-1)!.items).toEqual([{ kind: 'skill', name: 'csv-column-sums' }]);
  });
});
