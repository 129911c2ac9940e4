import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Plants a file in src/ and lints it with the project's own eslint.config.js: a conditional spread of
// an optional field must fail, and the forms that replace it (or a spread on another condition) pass.
const repositoryRoot = join(import.meta.dirname, '..', '..');
const plantedFile = join(repositoryRoot, 'src', 'core', `planted-spread-${randomUUID().slice(0, 8)}.ts`);
const ruleMessage = /^No conditional spread of an optional field/;

const planted = [
  "import { definedOnly } from './defined-only.ts';",
  'export function shapes(x: number | undefined, y: string | undefined, flag: boolean): object[] {',
  '  return [',
  '    { ...(x === undefined ? {} : { x }) },',
  '    { ...(y !== undefined ? { y } : {}) },',
  '    { ...(x == undefined ? {} : { z: x }) },',
  '    { ...definedOnly({ x, y }) },',
  '    { ...(flag ? { flag } : {}) },',
  '    { ...(x === 0 ? {} : { x }) },',
  '  ];',
  '}',
  '',
].join('\n');

let lines: number[] = [];

beforeAll(async () => {
  writeFileSync(plantedFile, planted);
  const [result] = await new ESLint({ cwd: repositoryRoot }).lintFiles([plantedFile]);
  lines = (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-syntax' && ruleMessage.test(message.message)).map((message) => message.line);
}, 180_000);

afterAll(() => rmSync(plantedFile, { force: true }));

describe('the conditional-spread rule of eslint.config.js', () => {
  it('fails a spread that is a ternary on undefined with an empty branch, either way round', () => {
    expect(lines).toEqual([4, 5, 6]);
  });

  it('passes definedOnly and spreads on other conditions', () => {
    expect(lines.filter((line) => line >= 7)).toEqual([]);
  });
});
