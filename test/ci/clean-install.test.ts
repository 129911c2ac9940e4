import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A fresh clone stays clean after `npm install`, and `npx lamarck` prints only Lamarck's own
 * output (issue #16: the install rewrote package-lock.json, and npx printed npm's warnings first).
 * npm rewrites the lock when it does not satisfy package.json or its root entry differs from it,
 * so both are checked here, offline: `npm ls --package-lock-only` reads only the two files.
 */
const root = new URL('../..', import.meta.url).pathname;

interface PackageFields {
  name?: string;
  version?: string;
  license?: string;
  engines?: Record<string, string>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Why npm would rewrite the lock in `directory`; empty when it would not. */
function lockProblems(directory: string): string[] {
  const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as PackageFields;
  const lock = JSON.parse(readFileSync(join(directory, 'package-lock.json'), 'utf8')) as { name?: string; version?: string; packages: Record<string, PackageFields> };
  const problems: string[] = [];
  const rootEntry = lock.packages[''] ?? {};
  const fields = ['name', 'version', 'license', 'engines', 'bin', 'dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;
  // npm writes bin paths without their leading `./`.
  const normalised: PackageFields = { ...manifest, ...(manifest.bin === undefined ? {} : { bin: Object.fromEntries(Object.entries(manifest.bin).map(([name, file]) => [name, file.replace(/^\.\//, '')])) }) };
  for (const field of fields) {
    if (JSON.stringify(rootEntry[field]) !== JSON.stringify(normalised[field])) problems.push(`the lock's root ${field} differs from package.json's`);
  }
  if (lock.name !== manifest.name || lock.version !== manifest.version) problems.push("the lock's name or version differs from package.json's");
  const listed = spawnSync('npm', ['ls', '--package-lock-only', '--all', '--offline'], { cwd: directory, encoding: 'utf8', timeout: 120_000 });
  if (listed.status !== 0) problems.push(`npm ls --package-lock-only: ${listed.stderr.split('\n').filter((line) => /missing|invalid|extraneous/.test(line)).join('; ') || listed.stderr}`);
  return problems;
}

describe('a clean install', () => {
  it('has a lock file in step with package.json, so npm install leaves it as it is', () => {
    expect(lockProblems(root)).toEqual([]);
  });

  it('notices a lock file that is out of step (a dependency added, a range or engines changed)', () => {
    const directory = mkdtempSync(join(tmpdir(), 'lamarck-stale-lock-'));
    try {
      const manifestPath = join(directory, 'package.json');
      cpSync(join(root, 'package-lock.json'), join(directory, 'package-lock.json'));
      const original = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Required<PackageFields>;
      const firstDependency = Object.keys(original.dependencies)[0]!;
      const stale: [string, Required<PackageFields>][] = [
        ['added dependency', { ...original, dependencies: { ...original.dependencies, 'left-pad': '^1.3.0' } }],
        ['changed range', { ...original, dependencies: { ...original.dependencies, [firstDependency]: '^999.0.0' } }],
        ['changed engines', { ...original, engines: { node: '>=99' } }],
      ];
      for (const [change, manifest] of stale) {
        writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
        expect(lockProblems(directory), change).not.toEqual([]);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('npx lamarck --version prints the version and nothing else, on either stream', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const result = spawnSync('npx', ['lamarck', '--version'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${version}\n`);
    expect(result.status).toBe(0);
  });
});
