import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue #9's bar for "one responsibility per file": no source file over 600 lines. A file that grows
// past it has taken on a second job; split it by phase or by concern rather than raising the bar.
const repositoryRoot = join(import.meta.dirname, '..', '..');
const maxLines = 600;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

function overLong(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  return files.flatMap(({ path, text }) => {
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
    return lines > maxLines ? [`${path}: ${lines} lines`] : [];
  });
}

describe('source file size', () => {
  it('names a planted file over the bar and passes one at it', () => {
    expect(overLong([{ path: 'long.ts', text: 'x;\n'.repeat(601) }, { path: 'ok.ts', text: 'x;\n'.repeat(600) }])).toEqual(['long.ts: 601 lines']);
  });

  it(`no file under src/ is over ${maxLines} lines`, () => {
    const files = sourceFiles(join(repositoryRoot, 'src')).map((path) => ({ path: relative(repositoryRoot, path), text: readFileSync(path, 'utf8') }));
    expect(files.length).toBeGreaterThan(100);
    expect(overLong(files)).toEqual([]);
  });
});
