import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Two exported types with one name (evolve's Proposal and learn's Proposal, once) make a reader and
// an auto-import pick the wrong one. This keeps every exported type name under src/ unique, so the
// clash cannot come back unnoticed.
const repositoryRoot = join(import.meta.dirname, '..', '..');
const sourceRoot = join(repositoryRoot, 'src');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword);
}

/** The names of the interfaces, type aliases, classes and enums a file declares and exports. */
function exportedTypeNames(fileName: string, text: string): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of file.statements) {
    const declaresType =
      ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement);
    if (declaresType && isExported(statement) && statement.name !== undefined) names.push(statement.name.text);
  }
  return names;
}

function clashes(files: Array<{ path: string; text: string }>): Map<string, string[]> {
  const declaredIn = new Map<string, string[]>();
  for (const { path, text } of files) {
    for (const name of exportedTypeNames(path, text)) declaredIn.set(name, [...(declaredIn.get(name) ?? []), path]);
  }
  return new Map([...declaredIn].filter(([, paths]) => paths.length > 1));
}

describe('exported type names', () => {
  it('finds a planted clash, and not a function or a non-exported type of the same name', () => {
    const planted = clashes([
      { path: 'a.ts', text: 'export interface Proposal { files: string[] }\nexport function helper(): void {}\n' },
      { path: 'b.ts', text: 'export type Proposal = { op: string };\ninterface helper { x: number }\n' },
      { path: 'c.ts', text: 'export class Other {}\nexport const Proposal = 1;\n' },
    ]);
    expect([...planted]).toEqual([['Proposal', ['a.ts', 'b.ts']]]);
  });

  it('are unique across src/', () => {
    const files = sourceFiles(sourceRoot).map((path) => ({ path: relative(repositoryRoot, path), text: readFileSync(path, 'utf8') }));
    expect(files.length).toBeGreaterThan(100);
    expect(Object.fromEntries(clashes(files))).toEqual({});
  });
});
