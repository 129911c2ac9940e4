import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { startProtocolServer } from '../support/protocol-server.ts';
import { temporaryDirectory } from './support.ts';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function lamarck(cwd: string, ...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const streams = {
    stdout: { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (text: string) => ((stderr += text), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await main(argv, { cwd, env: {}, streams });
  return { code, stdout, stderr };
}

function writeSkill(root: string, name: string, frontmatter: string, body = '# Steps\n'): void {
  mkdirSync(join(root, name), { recursive: true });
  writeFileSync(join(root, name, 'SKILL.md'), `---\n${frontmatter}\n---\n${body}`);
}

describe('lamarck skills and lamarck library', () => {
  let directory: ReturnType<typeof temporaryDirectory>;

  beforeEach(() => {
    directory = temporaryDirectory('lamarck-cli-');
  });

  afterEach(() => {
    directory.remove();
  });

  it('imports skipping malformed skills with named warnings, then lists, shows, searches and exports', async () => {
    const cwd = directory.path;
    const source = join(cwd, '.claude', 'skills');
    writeSkill(source, 'csv-clean', 'name: csv-clean\ndescription: Clean CSV files with stray quotes. Use when CSV parsing fails.');
    writeSkill(source, 'pdf', 'name: pdf\ndescription: Read PDF files.');
    writeSkill(source, 'broken', 'name: Broken\ndescription: x');

    const imported = await lamarck(cwd, 'skills', 'import', '.claude/skills');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('imported 2 new, 0 updated, 0 unchanged, 1 skipped');
    expect(imported.stderr).toContain(`warning: skipped ${join(source, 'broken', 'SKILL.md')}: \`name\` must be lowercase`);

    const listed = await lamarck(cwd, '--json', 'skills', 'ls');
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((entry) => entry.name)).toEqual(['csv-clean', 'pdf']);

    const shown = await lamarck(cwd, 'skills', 'show', 'csv-clean');
    expect(shown.stdout).toContain('# skill csv-clean  v1 (head)  active');
    expect(shown.stdout).toContain('description: Clean CSV files');

    const searched = await lamarck(cwd, '--json', 'skills', 'search', 'csv quotes');
    expect((JSON.parse(searched.stdout) as { name: string }[]).map((entry) => entry.name)).toEqual(['csv-clean']);
    const explained = await lamarck(cwd, 'skills', 'search', '--explain', 'how do I fix csv quotes');
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/csv-clean[^\n]*\n\s+matched: csv \((?:[a-z]+, )*name(?:, [a-z]+)*\) [\d.]+; quot \(description\) [\d.]+/);
    // With a neighbour in the list, each hit also names the query terms the neighbour lacks.
    const contrasted = await lamarck(cwd, 'skills', 'search', '--explain', 'fix csv quotes in files');
    expect(contrasted.stdout).toMatch(/csv-clean[^\n]*\n[^\n]*\n\s+unlike pdf: (?:csv, quot|quot, csv)\n/);
    expect(contrasted.stdout).toMatch(/pdf[^\n]*\n[^\n]*\n\s+unlike csv-clean: no query term of its own/);

    // The mirror holds the skills as plain files.
    expect(readFileSync(join(cwd, '.lamarck', 'library', 'skills', 'pdf', 'SKILL.md'), 'utf8')).toContain('name: pdf');
    const manifest = JSON.parse(readFileSync(join(cwd, '.lamarck', 'library', 'library.json'), 'utf8')) as { artifacts: { name: string }[] };
    expect(manifest.artifacts.map((artifact) => artifact.name)).toEqual(['csv-clean', 'pdf']);

    const exported = await lamarck(cwd, 'skills', 'export', 'out');
    expect(exported.stdout).toContain('exported 2 skills');
    expect(readFileSync(join(cwd, 'out', 'csv-clean', 'SKILL.md'), 'utf8')).toMatch(/^---\nname: csv-clean\n/);
  });

  it('shows history, diffs two versions and rolls back', async () => {
    const cwd = directory.path;
    const source = join(cwd, 'skills');
    writeSkill(source, 'pdf', 'name: pdf\ndescription: Read PDF files.', 'first body\n');
    await lamarck(cwd, 'skills', 'import', 'skills');
    writeSkill(source, 'pdf', 'name: pdf\ndescription: Read PDF files.', 'second body\n');
    await lamarck(cwd, 'skills', 'import', 'skills');

    const history = await lamarck(cwd, 'skills', 'history', 'pdf');
    expect(history.stdout).toMatch(/v1 .*import from/);
    expect(history.stdout).toMatch(/v2 \(head\)/);

    const diff = await lamarck(cwd, 'skills', 'diff', 'pdf@1', 'pdf@2');
    expect(diff.stdout).toContain('-first body');
    expect(diff.stdout).toContain('+second body');

    const rollback = await lamarck(cwd, 'skills', 'rollback', 'pdf@1');
    expect(rollback.stdout).toContain('head moved from v2 to v1');
    expect((await lamarck(cwd, 'skills', 'show', 'pdf')).stdout).toContain('first body');
    expect(readFileSync(join(cwd, '.lamarck', 'library', 'skills', 'pdf', 'SKILL.md'), 'utf8')).toContain('first body');

    const bad = await lamarck(cwd, 'skills', 'rollback', 'pdf');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('expected <name>@<version>');
    const missing = await lamarck(cwd, 'skills', 'show', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('skill not found: nope');
  });

  it('offers the same subcommands for lessons, guardrails, tools and prompts', async () => {
    const cwd = directory.path;
    // An empty store: a command that only reads refuses one that is not there.
    mkdirSync(join(cwd, '.lamarck'), { recursive: true });
    await SqliteStore.open({ path: join(cwd, '.lamarck', 'lamarck.db') }).close();
    for (const kind of ['lessons', 'guardrails', 'tools', 'prompts']) {
      const listed = await lamarck(cwd, 'library', kind, 'ls');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(`no ${kind}`);
    }
    const help = await lamarck(cwd, 'library', 'lessons', '--help');
    for (const subcommand of ['ls', 'show', 'search', 'history', 'diff', 'rollback']) expect(help.stdout).toContain(subcommand);
  });

  it('shows, searches, diffs and rolls back lessons, guardrails and tools', async () => {
    const cwd = directory.path;
    mkdirSync(join(cwd, '.lamarck'), { recursive: true });
    const library = new Library({ store: SqliteStore.open({ path: join(cwd, '.lamarck', 'lamarck.db') }) });
    await library.add('lesson', 'units', { title: 'units', text: 'Check the units of every input.' });
    await library.update('lesson', 'units', { title: 'units', text: 'Check and convert the units of every input.' });
    await library.add('guardrail', 'no-rm', { condition: 'cleaning up', action: 'run rm -rf', why: 'it deletes everything', tools: ['shell'], pattern: 'rm -rf' });
    await library.add('tool', 'add-numbers', {
      manifest: { name: 'add_numbers', description: 'Adds two numbers.', inputSchema: { type: 'object' } },
      code: 'export default async ({ a, b }) => a + b;',
      tests: [{ name: 'adds', input: { a: 1, b: 2 }, expected: 3 }],
    });
    await library.store.close();

    const lessons = await lamarck(cwd, 'library', 'lessons', 'ls');
    expect(lessons.stdout).toMatch(/units {2}v2 {2}active {2}utility 0\.50 \(0 uses\)/);
    expect((await lamarck(cwd, 'library', 'lessons', 'show', 'units@1')).stdout).toContain('Check the units of every input.');
    expect((await lamarck(cwd, 'library', 'lessons', 'diff', 'units@1', 'units@2')).stdout).toContain('+Check and convert the units of every input.');
    const searched = JSON.parse((await lamarck(cwd, '--json', 'library', 'lessons', 'search', 'convert units')).stdout) as { name: string }[];
    expect(searched.map((hit) => hit.name)).toEqual(['units']);
    expect((await lamarck(cwd, 'library', 'lessons', 'rollback', 'units@1')).stdout).toContain('head moved from v2 to v1');
    expect(JSON.parse((await lamarck(cwd, '--json', 'library', 'lessons', 'show', 'units')).stdout)).toMatchObject({ version: 1, content: { text: 'Check the units of every input.' } });
    expect((await lamarck(cwd, 'library', 'guardrails', 'show', 'no-rm')).stdout).toContain('## Forbidden action');
    const tool = await lamarck(cwd, 'library', 'tools', 'show', 'add-numbers');
    expect(tool.stdout).toContain('=== add-numbers/index.js');
    expect(tool.stdout).toContain('a + b');
    const mismatched = await lamarck(cwd, 'library', 'lessons', 'diff', 'units@1', 'other@2');
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toContain('diff compares two versions of one lesson');
  });

  it('shows the learned triggers, their versions, and rolls them back', async () => {
    const cwd = directory.path;
    mkdirSync(join(cwd, '.lamarck'), { recursive: true });
    const library = new Library({ store: SqliteStore.open({ path: join(cwd, '.lamarck', 'lamarck.db') }) });
    await library.add('skill', 'sign-file', { description: 'Create a digital signature for a release. Use when a release must be signed.', body: '# Steps\n', files: {} });
    await library.add('skill', 'verify-signature', { description: 'Verify the signature of a download.', body: '# Steps\n', files: {} });
    const index = new LibraryIndex();
    await index.sync(library);
    const sign = (await library.require('skill', 'sign-file')).artifact.id;
    const verify = (await library.require('skill', 'verify-signature')).artifact.id;
    await index.learnFromOutcome(library, { task: 'stamp our tarballs so people trust them', used: [sign], passed: true });
    await index.learnFromOutcome(library, { task: 'stamp our tarballs so people trust them', used: [verify], passed: false });
    await library.store.close();

    const history = await lamarck(cwd, 'library', 'triggers', 'history');
    expect(history.stdout).toMatch(/^v1 .* passed: stamp our tarballs/m);
    expect(history.stdout).toMatch(/^v2 \(head\) .* failed: stamp our tarballs/m);

    const shown = await lamarck(cwd, 'library', 'triggers', 'show');
    expect(shown.stdout).toMatch(/^skill sign-file: .*stamp \+1\.00/m);
    expect(shown.stdout).toMatch(/^skill verify-signature: .*stamp -0\.50/m);
    const one = JSON.parse((await lamarck(cwd, '--json', 'library', 'triggers', 'show', 'sign-file')).stdout) as { version: number; items: { name: string; triggers: { term: string }[] }[] };
    expect(one.version).toBe(2);
    expect(one.items.map((item) => item.name)).toEqual(['sign-file']);
    expect(one.items[0]!.triggers.map((trigger) => trigger.term)).toContain('tarbal');

    const rollback = await lamarck(cwd, 'library', 'triggers', 'rollback', '1');
    expect(rollback.stdout).toContain('learned triggers: head moved from v2 to v3 (the table of v1)');
    const afterRollback = await lamarck(cwd, 'library', 'triggers', 'show');
    expect(afterRollback.stdout).toContain('skill sign-file:');
    expect(afterRollback.stdout).not.toContain('verify-signature');
    expect((await lamarck(cwd, 'library', 'triggers', 'show', '--at', '0')).stdout).toContain('no learned triggers in version 0');

    const missing = await lamarck(cwd, 'library', 'triggers', 'rollback', '9');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('learned triggers have no version 9 (the head is v3)');
    const malformed = await lamarck(cwd, 'library', 'triggers', 'show', '--at', 'latest');
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('expected a learned-triggers version number, got "latest"');
  });

  it('lets a configured model reorder the top hits with --rerank, and keeps the order when its reply is unusable', async () => {
    const cwd = directory.path;
    const source = join(cwd, 'skills');
    writeSkill(source, 'parse-dates', 'name: parse-dates\ndescription: Parse date strings into date values. Use when dates arrive as text.');
    writeSkill(source, 'format-dates', 'name: format-dates\ndescription: Format date values as text for people. Use when a date must be shown.');
    await lamarck(cwd, 'skills', 'import', 'skills');
    const server = await startProtocolServer();
    try {
      writeFileSync(join(cwd, 'lamarck.config.json'), JSON.stringify({ models: [`openai-compatible:${server.baseURL}#ranker`] }));
      const names = (captured: Captured): string[] => (JSON.parse(captured.stdout) as { name: string }[]).map((hit) => hit.name);
      const task = 'dates arrive as text and must be shown';
      const lexical = names(await lamarck(cwd, '--json', 'skills', 'search', task));
      expect(lexical).toHaveLength(2);
      expect(server.requests).toHaveLength(0);
      server.enqueue({ text: '{"order":[2,1]}' });
      expect(names(await lamarck(cwd, '--json', 'skills', 'search', '--rerank', task))).toEqual([lexical[1], lexical[0]]);
      expect(JSON.stringify(server.requests[0]!.body)).toContain('dates arrive as text and must be shown');
      server.enqueue({ text: '{"order":[5]}' });
      const kept = await lamarck(cwd, '--json', 'skills', 'search', '--rerank', task);
      expect(names(kept)).toEqual(lexical);
      expect(kept.stderr).toContain('the re-rank model named no candidate');
      expect(server.pending).toBe(0);
      rmSync(join(cwd, 'lamarck.config.json'));
      const none = await lamarck(cwd, 'skills', 'search', '--rerank', task);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('--rerank needs a model');
    } finally {
      await server.close();
    }
  });

  it('follows learn.mirror in the configuration, and names a bad value', async () => {
    const cwd = directory.path;
    const source = join(cwd, 'skills');
    writeSkill(source, 'pdf', 'name: pdf\ndescription: Read PDF files.');
    writeFileSync(join(cwd, 'lamarck.config.json'), JSON.stringify({ learn: { mirror: 'library-files' } }));
    expect((await lamarck(cwd, 'skills', 'import', 'skills')).code).toBe(0);
    expect(readFileSync(join(cwd, 'library-files', 'skills', 'pdf', 'SKILL.md'), 'utf8')).toContain('name: pdf');
    rmSync(join(cwd, 'library-files'), { recursive: true });
    expect((await lamarck(cwd, 'library', 'mirror')).stdout).toContain('mirror written to');
    expect(readFileSync(join(cwd, 'library-files', 'skills', 'pdf', 'SKILL.md'), 'utf8')).toContain('name: pdf');
    writeFileSync(join(cwd, 'lamarck.config.json'), JSON.stringify({ learn: { mirror: 3 } }));
    const bad = await lamarck(cwd, 'skills', 'ls');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('learn.mirror');
  });
});
