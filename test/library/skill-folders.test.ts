import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.ts';
import { parseSkillFile } from '../../src/library/skill-format.ts';
import { exportSkills, importSkills } from '../../src/library/skill-folders.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { skill, temporaryDirectory } from './support.ts';

function writeSkill(root: string, folder: string, text: string, extra: Record<string, string | Buffer> = {}): void {
  mkdirSync(join(root, folder), { recursive: true });
  writeFileSync(join(root, folder, 'SKILL.md'), text);
  for (const [path, content] of Object.entries(extra)) {
    mkdirSync(join(root, folder, path, '..'), { recursive: true });
    writeFileSync(join(root, folder, path), content);
  }
}

/** Every folder under `root` holds a SKILL.md that the specification's rules accept. */
function validateSkillsFolder(root: string): string[] {
  const problems: string[] = [];
  for (const folder of readdirSync(root)) {
    const parsed = parseSkillFile(readFileSync(join(root, folder, 'SKILL.md'), 'utf8'), folder);
    if (!parsed.ok) problems.push(`${folder}: ${parsed.problems.join('; ')}`);
  }
  return problems;
}

describe('skills import and export', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let library: Library;

  beforeEach(() => {
    directory = temporaryDirectory();
    library = new Library({ store: createMemoryStore() });
  });

  afterEach(async () => {
    await library.store.close();
    directory.remove();
  });

  it('imports valid skills with their files and skips each malformed one with a warning naming file and problem', async () => {
    const root = join(directory.path, '.claude', 'skills');
    writeSkill(root, 'pdf', '---\nname: pdf\ndescription: Read PDF files. Use when a task mentions PDFs.\nlicense: MIT\n---\n# PDF\n', {
      'scripts/extract.py': 'print("x")\n',
      'references/REFERENCE.md': '# Ref\n',
      'assets/logo.png': Buffer.from([0x89, 0x50, 0x00, 0x01]),
    });
    writeSkill(root, 'docx', '---\nname: docx\ndescription: Edit Word files.\nmetadata:\n  author: me\n---\nBody\n');
    writeSkill(root, 'bad-yaml', '---\nname: bad-yaml\ndescription: [oops\n---\n');
    writeSkill(root, 'wrong-folder', '---\nname: other-name\ndescription: x\n---\n');
    writeSkill(root, 'no-description', '---\nname: no-description\n---\n');
    writeSkill(root, 'long-description', `---\nname: long-description\ndescription: ${'x'.repeat(1100)}\n---\n`);
    writeSkill(root, 'extra-key', '---\nname: extra-key\ndescription: x\nmodel: opus\n---\n');
    mkdirSync(join(root, 'empty-folder'));

    const report = await importSkills(library, root);

    expect(report.added).toEqual(['docx', 'pdf']);
    const skipped = Object.fromEntries(report.skipped.map((problem) => [problem.path.slice(root.length + 1), problem.problems.join('; ')]));
    expect(Object.keys(skipped).sort()).toEqual([
      'bad-yaml/SKILL.md',
      'empty-folder/SKILL.md',
      'extra-key/SKILL.md',
      'long-description/SKILL.md',
      'no-description/SKILL.md',
      'wrong-folder/SKILL.md',
    ]);
    expect(skipped['bad-yaml/SKILL.md']).toContain('bad YAML');
    expect(skipped['wrong-folder/SKILL.md']).toContain('does not match its directory "wrong-folder"');
    expect(skipped['no-description/SKILL.md']).toContain('`description` is required');
    expect(skipped['long-description/SKILL.md']).toContain('at most 1024');
    expect(skipped['extra-key/SKILL.md']).toContain('unknown frontmatter key `model`');
    expect(skipped['empty-folder/SKILL.md']).toContain('SKILL.md is missing');
    expect(report.warnings.join('\n')).toContain('logo.png: skipped (not a text file)');

    const pdf = await library.require('skill', 'pdf');
    expect(pdf.content).toMatchObject({
      description: 'Read PDF files. Use when a task mentions PDFs.',
      license: 'MIT',
      body: '# PDF\n',
      files: { 'scripts/extract.py': 'print("x")\n', 'references/REFERENCE.md': '# Ref\n' },
    });
  });

  it('re-importing unchanged skills is a no-op and changed ones become new versions', async () => {
    const root = join(directory.path, 'skills');
    writeSkill(root, 'pdf', '---\nname: pdf\ndescription: Read PDFs.\n---\nOne\n');
    await importSkills(library, root);
    expect((await importSkills(library, root)).unchanged).toEqual(['pdf']);
    writeSkill(root, 'pdf', '---\nname: pdf\ndescription: Read PDFs.\n---\nTwo\n');
    expect((await importSkills(library, root)).updated).toEqual(['pdf']);
    expect((await library.require('skill', 'pdf')).version.number).toBe(2);
  });

  it('imports a single skill folder given directly', async () => {
    const root = join(directory.path, 'skills');
    writeSkill(root, 'pdf', '---\nname: pdf\ndescription: Read PDFs.\n---\nOne\n');
    expect((await importSkills(library, join(root, 'pdf'))).added).toEqual(['pdf']);
  });

  it('exports spec-valid folders that import back to the same content', async () => {
    await library.add('skill', 'csv-clean', {
      ...skill('Clean CSV files: "quotes", colons: and # hashes. Use when parsing CSV fails.', '# Clean\n', {
        'scripts/clean.py': 'print(1)\n',
      }),
      metadata: { origin: 'lamarck' },
      allowedTools: 'Read Bash(python:*)',
      compatibility: 'python3',
    });
    await library.add('skill', 'retired-one', skill('Old.'), { status: 'retired' });
    await library.add('lesson', 'not-a-skill', { title: 't', text: 'x' });
    const target = join(directory.path, 'export');
    expect(await exportSkills(library, target)).toEqual(['csv-clean']);
    expect(readdirSync(target)).toEqual(['csv-clean']);
    expect(validateSkillsFolder(target)).toEqual([]);
    expect(readFileSync(join(target, 'csv-clean', 'scripts', 'clean.py'), 'utf8')).toBe('print(1)\n');

    const other = new Library({ store: createMemoryStore() });
    await importSkills(other, target);
    expect((await other.require('skill', 'csv-clean')).content).toEqual((await library.require('skill', 'csv-clean')).content);
    await other.store.close();
  });
});
