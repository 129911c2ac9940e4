import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotFoundError, UsageError } from '../../src/core/errors.ts';
import { requirePath } from '../../src/core/require-path.ts';

const root = mkdtempSync(join(tmpdir(), 'lamarck-require-path-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(join(root, 'file.txt'), 'x');
mkdirSync(join(root, 'folder'));

describe('requirePath', () => {
  it('accepts a file as a file and a folder as a folder', async () => {
    await expect(requirePath(join(root, 'file.txt'), 'file', 'task file')).resolves.toBeUndefined();
    await expect(requirePath(join(root, 'folder'), 'directory', 'skills folder')).resolves.toBeUndefined();
  });

  it('names what is missing and where it looked', async () => {
    const missing = join(root, 'nope');
    await expect(requirePath(missing, 'directory', 'skills folder')).rejects.toThrow(new NotFoundError('skills folder', missing));
    // A file standing where a folder on the way should be (ENOTDIR) is "not found" too.
    const below = join(root, 'file.txt', 'inner');
    await expect(requirePath(below, 'file', 'task file')).rejects.toThrow(`task file not found: ${below}`);
  });

  it('names the wrong kind', async () => {
    await expect(requirePath(join(root, 'file.txt'), 'directory', 'tool folder')).rejects.toThrow(UsageError);
    await expect(requirePath(join(root, 'file.txt'), 'directory', 'tool folder')).rejects.toThrow(`tool folder: ${join(root, 'file.txt')} is a file, not a folder`);
    await expect(requirePath(join(root, 'folder'), 'file', 'task file')).rejects.toThrow(`task file: ${join(root, 'folder')} is a folder, not a file`);
  });
});
