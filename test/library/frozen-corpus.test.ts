import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkContent, libraryKinds } from '../../src/library/artifact-content.ts';
import { renderArtifactFiles } from '../../src/library/artifact-files.ts';
import { Library } from '../../src/library/library.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';

// Content written by format v1 must keep loading, and a skill must keep rendering to the same SKILL.md.
const corpus = JSON.parse(readFileSync(new URL('./fixtures/content-v1.json', import.meta.url), 'utf8')) as Record<string, { name: string; content: unknown }>;

describe('library content format v1', () => {
  it.each(libraryKinds)('still loads a stored %s', async (kind) => {
    const fixture = corpus[kind]!;
    const checked = checkContent(kind, fixture.content);
    expect(checked.ok).toBe(true);
    const library = new Library({ store: createMemoryStore() });
    await library.add(kind, fixture.name, fixture.content);
    expect((await library.require(kind, fixture.name)).version.content).toEqual(fixture.content);
    await library.store.close();
  });

  it('renders the v1 skill to the same SKILL.md', () => {
    const fixture = corpus['skill']!;
    const checked = checkContent('skill', fixture.content);
    if (!checked.ok) throw new Error(checked.problems.join('; '));
    const files = renderArtifactFiles('skill', fixture.name, checked.content);
    expect(files['csv-clean/SKILL.md']).toBe(readFileSync(new URL('./fixtures/csv-clean.SKILL.md', import.meta.url), 'utf8'));
    expect(files['csv-clean/scripts/clean.py']).toBe("print('clean')\n");
  });
});
