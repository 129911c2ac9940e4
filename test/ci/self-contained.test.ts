import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The repository must explain itself: no tracked file may send the reader to a file outside it
// (a steering folder beside the checkout, or design and style notes that are not in the repo).
// The names are assembled here so that this file does not match its own search.
const repositoryRoot = join(import.meta.dirname, '..', '..');
const outsideNotes = ['DESIGN', 'STYLE'].map((name) => `${name}.md`);
const outsideFolder = ['..', 'shared'].join('/');
const pattern = new RegExp([`${outsideFolder.replace(/\./g, '\\.')}\\b`, `${['', 'work', 'shared'].join('/')}\\b`, ...outsideNotes.map((note) => `\\b${note.replace('.', '\\.')}`)].join('|'), 'g');

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: repositoryRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((file) => file !== '');
}

/** Each `file:line: text` that mentions a file outside the repository. */
function outsideReferences(root: string, files: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const path = join(root, file);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    if (bytes.includes(0)) continue; // binary: databases, images
    const lines = bytes.toString('utf8').split('\n');
    lines.forEach((line, index) => {
      for (const match of line.matchAll(pattern)) {
        // A note of that name inside the repository would be a reference to the repository itself.
        if (outsideNotes.includes(match[0]) && files.some((tracked) => tracked.endsWith(match[0]))) continue;
        found.push(`${file}:${index + 1}: ${line.trim()}`);
      }
    });
  }
  return found;
}

describe('the repository is self-contained', () => {
  it('no tracked file refers to a file outside the repository', () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(outsideReferences(repositoryRoot, files)).toEqual([]);
  });

  it('the search finds such a reference when there is one', () => {
    const root = mkdtempSync(join(tmpdir(), 'lamarck-self-contained-'));
    try {
      writeFileSync(join(root, 'notes.md'), [`See ${outsideFolder}/${outsideNotes[0]} for the concepts.`, `Style: ${outsideNotes[1]} item 7.`, 'Nothing here.'].join('\n'));
      expect(outsideReferences(root, ['notes.md'])).toEqual([
        `notes.md:1: See ${outsideFolder}/${outsideNotes[0]} for the concepts.`,
        `notes.md:1: See ${outsideFolder}/${outsideNotes[0]} for the concepts.`,
        `notes.md:2: Style: ${outsideNotes[1]} item 7.`,
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
