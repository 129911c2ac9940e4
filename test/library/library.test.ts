import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VersionConflictError } from '../../src/core/errors.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryMirror } from '../../src/library/library-mirror.ts';
import type { LessonContent } from '../../src/library/artifact-content.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/types.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { lesson, skill, temporaryDirectory } from './support.ts';

describe('Library', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let library: Library;

  beforeEach(() => {
    directory = temporaryDirectory();
    library = new Library({ store: createMemoryStore(), mirror: new LibraryMirror(join(directory.path, 'library')) });
  });

  afterEach(async () => {
    await library.store.close();
    directory.remove();
  });

  it('adds an artifact as version 1 with its provenance and utility 0.5', async () => {
    const entry = await library.add('lesson', 'check-units', lesson('Always check the units of every input.'), {
      trajectoryIds: ['trj_1'],
      evaluation: { heldOut: 1 },
    });
    expect(entry.status).toBe('active');
    expect(entry.version.number).toBe(1);
    expect(entry.version.trajectoryIds).toEqual(['trj_1']);
    expect(entry.version.evaluation).toEqual({ heldOut: 1 });
    expect(entry.utility).toBe(0.5);
  });

  it('rejects invalid names and content without touching the store', async () => {
    await expect(library.add('lesson', 'Bad Name', lesson('x'))).rejects.toThrow(/invalid lesson name/);
    await expect(library.add('lesson', 'empty', { title: 'x', text: '' })).rejects.toThrow(/invalid lesson content: text/);
    await expect(library.add('guardrail', 'bad-regex', { condition: 'c', action: 'a', why: 'w', pattern: '(' })).rejects.toThrow(
      /pattern is not a valid regular expression/,
    );
    await expect(library.add('skill', 'escape', skill('x', 'b', { '../outside.txt': 'x' }))).rejects.toThrow(/file paths must be relative/);
    expect(await library.list()).toEqual([]);
  });

  it('commits each change as a new immutable version with its parent', async () => {
    const first = await library.add('lesson', 'units', lesson('Check units.'));
    const second = await library.update('lesson', 'units', lesson('Check units and convert them first.'), { message: 'sharpen' });
    expect(second.version.number).toBe(2);
    expect(second.version.parentIds).toEqual([first.version.id]);
    expect(second.version.message).toBe('sharpen');
    const history = await library.history('lesson', 'units');
    expect(history.map((version) => (version.content as LessonContent).text)).toEqual(['Check units.', 'Check units and convert them first.']);
  });

  it('makes no version when the content does not change', async () => {
    await library.add('lesson', 'units', lesson('Check units.'));
    const same = await library.update('lesson', 'units', lesson('Check units.'));
    expect(same.version.number).toBe(1);
    expect(await library.history('lesson', 'units')).toHaveLength(1);
  });

  it('reports a conflict when the caller names a head that moved, and changes nothing', async () => {
    const first = await library.add('lesson', 'units', lesson('Check units.'));
    await library.update('lesson', 'units', lesson('Second.'));
    await expect(
      library.update('lesson', 'units', lesson('Stale edit.'), { expectedHeadVersionId: first.version.id }),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect((await library.require('lesson', 'units')).content.text).toBe('Second.');
  });

  it('rollback restores the earlier version exactly and later commits descend from it', async () => {
    const original = await library.add('skill', 'csv-clean', skill('Clean CSV files. Use when a CSV has stray quotes.', '# One\n', { 'scripts/a.py': 'print(1)\n' }));
    await library.update('skill', 'csv-clean', skill('Changed.', '# Two\n'));
    const mirrorFile = join(directory.path, 'library', 'skills', 'csv-clean', 'SKILL.md');
    expect(readFileSync(mirrorFile, 'utf8')).toContain('# Two');
    const rolledBack = await library.rollback('skill', 'csv-clean', 1);
    expect(rolledBack.version).toEqual(original.version);
    expect(rolledBack.content).toEqual(original.content);
    expect((await library.require('skill', 'csv-clean')).version.id).toBe(original.version.id);
    expect(readFileSync(mirrorFile, 'utf8')).toContain('# One');
    expect(readFileSync(join(directory.path, 'library', 'skills', 'csv-clean', 'scripts', 'a.py'), 'utf8')).toBe('print(1)\n');
    const third = await library.update('skill', 'csv-clean', skill('Third.', '# Three\n'));
    expect(third.version.number).toBe(3);
    expect(third.version.parentIds).toEqual([original.version.id]);
  });

  it('diffs two versions as a unified diff', async () => {
    await library.add('lesson', 'units', lesson('Check units.', { title: 'Units' }));
    await library.update('lesson', 'units', lesson('Check units twice.', { title: 'Units' }));
    const diff = await library.diff('lesson', 'units', 1, 2);
    expect(diff).toContain('--- units@1');
    expect(diff).toContain('+++ units@2');
    expect(diff).toContain('-Check units.');
    expect(diff).toContain('+Check units twice.');
    expect(await library.diff('lesson', 'units', 1, 1)).toBe('');
  });

  it('merges sources into a target with every head as a parent, and retires the sources', async () => {
    const target = await library.add('lesson', 'units', lesson('Check units.'));
    const source = await library.add('lesson', 'units-again', lesson('Convert units first.'));
    const merged = await library.merge('lesson', 'units', ['units-again'], lesson('Check units; convert them first.'));
    expect(merged.version.parentIds).toEqual([target.version.id, source.version.id]);
    expect((await library.require('lesson', 'units-again')).status).toBe('retired');
    expect(existsSync(join(directory.path, 'library', 'lessons', 'units-again.md'))).toBe(false);
    expect(readFileSync(join(directory.path, 'library', 'lessons', 'units.md'), 'utf8')).toContain('convert them first');
  });

  it('counts uses and derives utility from them', async () => {
    await library.add('lesson', 'units', lesson('Check units.'));
    await library.recordUse('lesson', 'units', { success: true, helpful: true });
    await library.recordUse('lesson', 'units', { success: false, harmful: true });
    await library.recordUse('lesson', 'units', { success: true });
    const entry = await library.require('lesson', 'units');
    expect(entry.artifact).toMatchObject({ uses: 3, successes: 2, helpful: 1, harmful: 1 });
    expect(entry.utility).toBeCloseTo(3 / 5);
  });

  it('mirrors every kind as plain files with a manifest, written after the commit', async () => {
    await library.add('skill', 'pdf', skill('Read PDFs. Use for PDF tasks.'));
    await library.add('lesson', 'units', lesson('Check units.'));
    await library.add('guardrail', 'no-rm', { condition: 'cleaning up', action: 'run rm -rf', why: 'it deletes the workspace', tools: ['shell'], pattern: 'rm\\s+-rf' });
    await library.add('tool', 'add-numbers', {
      manifest: { name: 'add_numbers', description: 'Adds two numbers.', inputSchema: { type: 'object' } },
      code: 'export default async ({ a, b }) => a + b;',
      tests: [{ name: 'adds', input: { a: 1, b: 2 }, expected: 3 }],
    });
    await library.add('prompt', 'system', { description: 'The base prompt.', text: 'You are careful.' });
    const root = join(directory.path, 'library');
    expect(readFileSync(join(root, 'skills', 'pdf', 'SKILL.md'), 'utf8')).toMatch(/^---\nname: pdf\ndescription: Read PDFs/);
    expect(readFileSync(join(root, 'lessons', 'units.md'), 'utf8')).toContain('Check units.');
    expect(readFileSync(join(root, 'guardrails', 'no-rm.md'), 'utf8')).toContain('## Forbidden action\n\nrun rm -rf');
    expect(JSON.parse(readFileSync(join(root, 'tools', 'add-numbers', 'tool.json'), 'utf8'))).toMatchObject({ name: 'add_numbers' });
    expect(readFileSync(join(root, 'tools', 'add-numbers', 'index.js'), 'utf8')).toContain('a + b');
    expect(readFileSync(join(root, 'prompts', 'system.md'), 'utf8')).toContain('You are careful.');
    const manifest = JSON.parse(readFileSync(join(root, 'library.json'), 'utf8')) as { artifacts: { name: string; version: number }[] };
    expect(manifest.artifacts.map((artifact) => artifact.name).sort()).toEqual(['add-numbers', 'no-rm', 'pdf', 'system', 'units']);
  });

  it('rebuilds the mirror from the store, removing files of artifacts that are gone', async () => {
    await library.add('lesson', 'units', lesson('Check units.'));
    const stray = join(directory.path, 'library', 'lessons', 'stray.md');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(stray, 'hand-made');
    await library.syncMirror();
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(join(directory.path, 'library', 'lessons', 'units.md'))).toBe(true);
  });
});

describe('Library shared by two connections', () => {
  it('never loses an update when both change the same artifact at once', async () => {
    const directory = temporaryDirectory();
    const path = join(directory.path, 'shared.db');
    let conflicts = 0;
    const counting = (store: Store): Store =>
      new Proxy(store, {
        get(target, property) {
          if (property === 'commitVersion') {
            return async (...args: Parameters<Store['commitVersion']>) => {
              try {
                return await target.commitVersion(...args);
              } catch (error) {
                if (error instanceof VersionConflictError) conflicts += 1;
                throw error;
              }
            };
          }
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    const first = new Library({ store: counting(SqliteStore.open({ path })) });
    const second = new Library({ store: counting(SqliteStore.open({ path })) });
    try {
      await first.add('lesson', 'log', lesson('start'));
      const append = (library: Library, line: string) =>
        library.update('lesson', 'log', (current) => ({ ...current.content, text: `${current.content.text}\n${line}` }));
      // Two writers, each appending ten lines in turn; their reads and commits interleave, so some
      // commits lose the race, are recomputed from the new head and retried.
      const lane = async (library: Library, prefix: string) => {
        for (let index = 0; index < 10; index += 1) await append(library, `${prefix}${index}`);
      };
      await Promise.all([lane(first, 'a'), lane(second, 'b')]);
      const final = await second.require('lesson', 'log');
      const lines = final.content.text.split('\n');
      expect(lines).toHaveLength(21);
      expect(new Set(lines).size).toBe(21);
      expect(final.version.number).toBe(21);
      expect(conflicts).toBeGreaterThan(0);
    } finally {
      await first.store.close();
      await second.store.close();
      directory.remove();
    }
  });
});
