import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// docs/decisions/README.md says how decision records are numbered; this holds the folder to it, so
// two records never share a number again (0004 once had two) and no gap goes unexplained.
const repositoryRoot = join(import.meta.dirname, '..', '..');
const decisionsFolder = join(repositoryRoot, 'docs', 'decisions');

interface DecisionFile {
  name: string;
  firstLine: string;
}

/** Every way the files break the rules of docs/decisions/README.md, in words. */
function numberingProblems(files: readonly DecisionFile[], index: string): string[] {
  const problems: string[] = [];
  const numbers: number[] = [];
  for (const file of files) {
    const match = /^(\d{4})-[a-z0-9]+(?:-[a-z0-9]+)*\.md$/.exec(file.name);
    if (match === null) {
      problems.push(`${file.name}: not named NNNN-short-title.md`);
      continue;
    }
    const number = match[1]!;
    if (!file.firstLine.startsWith(`# ${number}: `)) problems.push(`${file.name}: the first line does not start with "# ${number}: "`);
    if (!index.includes(`(${file.name})`)) problems.push(`${file.name}: not listed in docs/decisions/README.md`);
    numbers.push(Number(number));
  }
  const sorted = [...numbers].sort((a, b) => a - b);
  sorted.forEach((number, position) => {
    if (position > 0 && number === sorted[position - 1]) problems.push(`${String(number).padStart(4, '0')}: used twice`);
  });
  const unique = [...new Set(sorted)];
  unique.forEach((number, position) => {
    if (number !== position + 1) problems.push(`${String(position + 1).padStart(4, '0')}: missing (numbers run 0001, 0002, ... without gaps)`);
  });
  return [...new Set(problems)];
}

function decisionFiles(): DecisionFile[] {
  return readdirSync(decisionsFolder)
    .filter((name) => name.endsWith('.md') && name !== 'README.md')
    .map((name) => ({ name, firstLine: readFileSync(join(decisionsFolder, name), 'utf8').split('\n')[0] ?? '' }));
}

describe('decision records', () => {
  it('catches a planted duplicate, a gap, a wrong title and an unlisted file', () => {
    const planted: DecisionFile[] = [
      { name: '0001-a.md', firstLine: '# 0001: A' },
      { name: '0002-b.md', firstLine: '# 0002: B' },
      { name: '0002-c.md', firstLine: '# 0002: C' },
      { name: '0004-d.md', firstLine: '# 0005: D' },
    ];
    expect(numberingProblems(planted, '(0001-a.md) (0002-b.md) (0004-d.md)')).toEqual([
      '0002-c.md: not listed in docs/decisions/README.md',
      '0004-d.md: the first line does not start with "# 0004: "',
      '0002: used twice',
      '0003: missing (numbers run 0001, 0002, ... without gaps)',
    ]);
  });

  it('are numbered once each, without gaps, titled by their number and listed in the index', () => {
    const files = decisionFiles();
    expect(files.length).toBeGreaterThan(10);
    expect(numberingProblems(files, readFileSync(join(decisionsFolder, 'README.md'), 'utf8'))).toEqual([]);
  });

  it('every "ADR NNNN" named in the repository exists', () => {
    const numbers = new Set(decisionFiles().map((file) => file.name.slice(0, 4)));
    const tracked = execFileSync('git', ['ls-files', '-z', '--', 'src', 'test', 'docs', 'bench', 'scripts', '*.md', '*.js'], { cwd: repositoryRoot, encoding: 'utf8' })
      .split('\0')
      .filter((file) => /\.(ts|js|md)$/.test(file));
    const dangling: string[] = [];
    for (const file of tracked) {
      const text = readFileSync(join(repositoryRoot, file), 'utf8');
      for (const match of text.matchAll(/\bADR (\d{4})\b/g)) if (!numbers.has(match[1]!)) dangling.push(`${file}: ADR ${match[1]}`);
    }
    expect(tracked.length).toBeGreaterThan(100);
    expect(dangling).toEqual([]);
  });
});
