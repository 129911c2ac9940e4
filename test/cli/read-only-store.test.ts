import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

/**
 * A command that only reads the store never creates one (issue #16: `lamarck --store typo.db runs`
 * made an empty typo.db and printed "no runs", as if the store were empty). It names the missing
 * file in one line and exits 1; commands that write still create their store.
 */
interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function lamarck(cwd: string, env: NodeJS.ProcessEnv, ...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const streams = {
    stdout: { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (text: string) => ((stderr += text), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await main(argv, { cwd, env, streams });
  return { code, stdout, stderr };
}

describe('read-only commands and a store that is not there', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'lamarck-read-only-store-'));
  });

  afterEach(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  const readers: string[][] = [
    ['runs'],
    ['best', 'run_1'],
    ['lineage', 'prg_1'],
    ['trajectory', 'trj_1'],
    ['library', 'skills', 'ls'],
    ['library', 'prompts', 'history', 'greeting'],
    ['library', 'triggers', 'history'],
    ['skills', 'export', 'out'],
    ['serve', '--port', '0'],
    ['mcp'],
  ];

  for (const argv of readers) {
    it(`lamarck --store typo.db ${argv.join(' ')} refuses, naming the path, and creates nothing`, async () => {
      const result = await lamarck(cwd, {}, '--store', 'typo.db', ...argv);
      expect(result.stderr).toBe(`error: store not found: ${join(cwd, 'typo.db')}\n`);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(readdirSync(cwd)).toEqual([]);
    });
  }

  it('refuses the store named by LAMARCK_STORE and the default store alike', async () => {
    const named = await lamarck(cwd, { LAMARCK_STORE: 'sqlite:typo.db' }, 'runs');
    expect(named.stderr).toBe(`error: store not found: ${join(cwd, 'typo.db')}\n`);
    const fallback = await lamarck(cwd, {}, 'runs');
    expect(fallback.stderr).toBe(`error: store not found: ${join(cwd, '.lamarck', 'lamarck.db')}\n`);
    expect(fallback.code).toBe(1);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a command that writes still creates its store, and readers then open it', async () => {
    const skill = join(cwd, 'skills', 'greet');
    mkdirSync(skill, { recursive: true });
    writeFileSync(join(skill, 'SKILL.md'), '---\nname: greet\ndescription: Greets people by name when asked to say hello.\n---\n\nSay hello and the name.\n');
    const imported = await lamarck(cwd, {}, '--store', 'fresh.db', 'skills', 'import', 'skills');
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(join(cwd, 'fresh.db'))).toBe(true);
    const listed = await lamarck(cwd, {}, '--store', 'fresh.db', 'library', 'skills', 'ls');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('greet');
    const runs = await lamarck(cwd, {}, '--store', 'fresh.db', 'runs');
    expect(runs).toMatchObject({ code: 0, stderr: '' });
  });
});
