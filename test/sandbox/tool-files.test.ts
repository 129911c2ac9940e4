import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectSandboxStillWorks, ordinaryLimits, runInline } from './tool-fixtures.ts';

/** The files capability: only inside the granted directory, only what the tool declared and was granted. */
let base: string;
let root: string;
let outside: string;

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'lamarck-files-'));
  root = path.join(base, 'granted');
  outside = path.join(base, 'outside');
  mkdirSync(path.join(root, 'notes'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(root, 'notes', 'a.txt'), 'note A');
  writeFileSync(path.join(outside, 'secret.txt'), 'OUTSIDE-SECRET');
  symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-out'));
  symlinkSync(path.join(outside, 'not-yet.txt'), path.join(root, 'dangling'));
  symlinkSync(path.join(root, 'notes', 'a.txt'), path.join(root, 'link-in'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));
afterEach(async () => expectSandboxStillWorks());

const readTool = `export default async (input, ctx) => ctx.readFile(input.path);`;
const writeTool = `export default async (input, ctx) => { await ctx.writeFile(input.path, input.content); return 'written'; };`;
const declaresRead = { capabilities: { files: ['read'] } };
const declaresReadWrite = { capabilities: { files: ['read', 'write'] } };

describe('files capability', () => {
  it('reads and lists inside the granted directory', async () => {
    const granted = { ...ordinaryLimits, granted: { files: { root } } };
    expect(await runInline(readTool, { path: 'notes/a.txt' }, granted, declaresRead)).toMatchObject({ ok: true, output: 'note A' });
    expect(await runInline(readTool, { path: 'link-in' }, granted, declaresRead)).toMatchObject({ ok: true, output: 'note A' });
    const listed = await runInline(`export default async (input, ctx) => ctx.listFiles();`, null, granted, declaresRead);
    expect(listed).toMatchObject({ ok: true, output: expect.arrayContaining(['notes/', 'link-in']) });
  });

  it('has no file functions without a grant, even when declared', async () => {
    const result = await runInline(readTool, { path: 'notes/a.txt' }, ordinaryLimits, declaresRead);
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw', message: expect.stringContaining('not a function') } });
  });

  it('has no file functions when granted but not declared', async () => {
    const result = await runInline(readTool, { path: 'notes/a.txt' }, { ...ordinaryLimits, granted: { files: { root } } });
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
  });

  it('refuses paths that climb out of the root', async () => {
    const granted = { ...ordinaryLimits, granted: { files: { root } } };
    for (const escape of ['../outside/secret.txt', path.join(outside, 'secret.txt'), 'notes/../../outside/secret.txt']) {
      const result = await runInline(readTool, { path: escape }, granted, declaresRead);
      expect(result).toMatchObject({ ok: false, error: { code: 'capability-denied' } });
      expect(JSON.stringify(result)).not.toContain('OUTSIDE-SECRET');
    }
  });

  it('refuses symbolic links that lead outside the root', async () => {
    const result = await runInline(readTool, { path: 'link-out' }, { ...ordinaryLimits, granted: { files: { root } } }, declaresRead);
    expect(result).toMatchObject({ ok: false, error: { code: 'capability-denied' } });
    expect(JSON.stringify(result)).not.toContain('OUTSIDE-SECRET');
  });

  it('writes only with a write grant and a write declaration', async () => {
    const readOnly = await runInline(writeTool, { path: 'new.txt', content: 'x' }, { ...ordinaryLimits, granted: { files: { root } } }, declaresReadWrite);
    expect(readOnly).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    expect(existsSync(path.join(root, 'new.txt'))).toBe(false);
    const writable = await runInline(writeTool, { path: 'out/new.txt', content: 'hello' }, { ...ordinaryLimits, granted: { files: { root, write: true } } }, declaresReadWrite);
    expect(writable).toMatchObject({ ok: true, output: 'written' });
    expect(readFileSync(path.join(root, 'out', 'new.txt'), 'utf8')).toBe('hello');
  });

  it('refuses writing through a dangling link or out of the root', async () => {
    const granted = { ...ordinaryLimits, granted: { files: { root, write: true } } };
    const viaLink = await runInline(writeTool, { path: 'dangling', content: 'pwned' }, granted, declaresReadWrite);
    expect(viaLink).toMatchObject({ ok: false, error: { code: 'capability-denied' } });
    expect(existsSync(path.join(outside, 'not-yet.txt'))).toBe(false);
    const climbing = await runInline(writeTool, { path: '../outside/new.txt', content: 'pwned' }, granted, declaresReadWrite);
    expect(climbing).toMatchObject({ ok: false, error: { code: 'capability-denied' } });
    expect(existsSync(path.join(outside, 'new.txt'))).toBe(false);
  });
});
