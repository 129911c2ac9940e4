import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/design.md: "one npm package with a subpath export per module". Every module folder with an
 * `index.ts` (the CLI is a command, not a module to import) has `lamarck/<module>` in package.json,
 * pointing at its built index, and every subpath export names a module that exists.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const exportsField = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> }).exports;

describe('package.json exports', () => {
  it('has a subpath export for every module under src/, and none for a module that is not there', () => {
    const modules = readdirSync(join(root, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'cli' && existsSync(join(root, 'src', entry.name, 'index.ts')))
      .map((entry) => entry.name)
      .sort();
    const subpaths = Object.keys(exportsField)
      .filter((key) => key !== '.')
      .map((key) => key.slice(2))
      .sort();
    expect(subpaths).toEqual(modules);
    for (const name of modules) expect(exportsField[`./${name}`]).toEqual({ types: `./dist/${name}/index.d.ts`, default: `./dist/${name}/index.js` });
  });

  it('lamarck/mcp gives what a host needs to serve the library itself', async () => {
    const mcp = await import('../../src/mcp/index.ts');
    for (const name of ['openMcpLibrary', 'createLamarckMcpServer', 'serveMcpStdio', 'startMcpHttpServer', 'LibrarySkillCatalog', 'LibraryChanges'] as const) {
      expect(typeof mcp[name], name).toBe('function');
    }
  });
});
