import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Plants files that break the import rules inside the lint scope and lints them with the project's
// own eslint.config.js, so a rule that is configured but checks nothing (as import-x/no-cycle once
// was, skipping every .ts file) fails here.
const repositoryRoot = join(import.meta.dirname, '..', '..');
const plantedName = `planted-${randomUUID().slice(0, 8)}`;
const cycleFolder = join(repositoryRoot, 'test', 'lint', plantedName);
const selfNameFile = join(repositoryRoot, 'src', 'core', `${plantedName}.ts`);

function plant(path: string, text: string): void {
  writeFileSync(path, text);
}

let results: Map<string, ESLint.LintResult>;

beforeAll(async () => {
  mkdirSync(cycleFolder, { recursive: true });
  // A value cycle: a.ts and b.ts call each other.
  plant(join(cycleFolder, 'value-a.ts'), "import { b } from './value-b.ts';\nexport const a = (): number => b() + 1;\n");
  plant(join(cycleFolder, 'value-b.ts'), "import { a } from './value-a.ts';\nexport const b = (): number => (a.length > 0 ? 1 : 0);\n");
  // A type-only cycle over three files, the shape agent/types.ts once had.
  plant(join(cycleFolder, 'type-a.ts'), "import type { B } from './type-b.ts';\nexport interface A { b?: B }\n");
  plant(join(cycleFolder, 'type-b.ts'), "import type { C } from './type-c.ts';\nexport interface B { c?: C }\n");
  plant(join(cycleFolder, 'type-c.ts'), "import type { A } from './type-a.ts';\nexport interface C { a?: A }\n");
  // No cycle: a control that must stay clean, so the rule is not simply failing everything.
  plant(join(cycleFolder, 'plain.ts'), "import type { A } from './type-a.ts';\nexport const plain = (value: A): boolean => value.b === undefined;\n");
  // core importing learn by the package's own name, which resolves to dist/ and not src/.
  plant(selfNameFile, "import type { LearnOptions } from 'lamarck/learn';\nexport type Planted = LearnOptions;\n");

  const eslint = new ESLint({ cwd: repositoryRoot });
  const linted = await eslint.lintFiles([cycleFolder, selfNameFile]);
  results = new Map(linted.map((result) => [relative(repositoryRoot, result.filePath), result]));
}, 180_000);

afterAll(() => {
  rmSync(cycleFolder, { recursive: true, force: true });
  rmSync(selfNameFile, { force: true });
});

function messagesOf(file: string, ruleId: string): string[] {
  const result = results.get(file);
  if (result === undefined) throw new Error(`${file} was not linted; linted: ${[...results.keys()].join(', ')}`);
  return result.messages.filter((message) => message.ruleId === ruleId).map((message) => message.message);
}

describe('the import rules of eslint.config.js', () => {
  const planted = (name: string): string => join('test', 'lint', plantedName, name);

  it('fails a value cycle between two .ts files', () => {
    const messages = messagesOf(planted('value-a.ts'), 'lamarck/no-import-cycle');
    expect(messages).toEqual([`Import cycle: ${planted('value-a.ts')} → ${planted('value-b.ts')} → ${planted('value-a.ts')}. Move the shared part to a file both can import.`]);
    expect(messagesOf(planted('value-b.ts'), 'lamarck/no-import-cycle')).toHaveLength(1);
  });

  it('fails a cycle made only of type imports', () => {
    for (const name of ['type-a.ts', 'type-b.ts', 'type-c.ts']) {
      expect(messagesOf(planted(name), 'lamarck/no-import-cycle'), name).toHaveLength(1);
    }
    expect(messagesOf(planted('type-a.ts'), 'lamarck/no-import-cycle')[0]).toContain(`${planted('type-b.ts')} → ${planted('type-c.ts')} → ${planted('type-a.ts')}`);
  });

  it('leaves a file outside any cycle alone', () => {
    expect(results.get(planted('plain.ts'))?.messages).toEqual([]);
  });

  it('fails an upward import by the package name', () => {
    const messages = messagesOf(relative(repositoryRoot, selfNameFile), 'no-restricted-imports');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('src/core sits above src/learn');
  });
});
