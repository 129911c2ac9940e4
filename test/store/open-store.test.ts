import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.ts';
import { openStore } from '../../src/store/open-store.ts';

describe('openStore', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'lamarck-open-'));
  });

  afterEach(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  it('creates .lamarck/lamarck.db in the working directory by default', async () => {
    const store = await openStore({ cwd });
    const expected = join(cwd, '.lamarck', 'lamarck.db');
    expect(store.kind).toBe('sqlite');
    expect(store.location).toBe(expected);
    await store.createRun({ id: 'run_default', kind: 'agent', name: 'a', config: {} });
    await store.close();
    expect(existsSync(expected)).toBe(true);
    const again = await openStore({ cwd });
    expect((await again.getRun('run_default'))?.name).toBe('a');
    await again.close();
  });

  it('resolves a relative path against cwd and creates missing directories', async () => {
    const store = await openStore({ cwd, path: 'data/nested/runs.db' });
    expect(store.location).toBe(join(cwd, 'data', 'nested', 'runs.db'));
    await store.close();
    expect(existsSync(join(cwd, 'data', 'nested', 'runs.db'))).toBe(true);
  });

  it('accepts :memory: and a sqlite: url', async () => {
    const memory = await openStore({ cwd, path: ':memory:' });
    expect(await memory.schemaVersion()).toBeGreaterThanOrEqual(1);
    await memory.close();
    const byUrl = await openStore({ cwd, url: 'sqlite:state/by-url.db' });
    expect(byUrl.location).toBe(join(cwd, 'state', 'by-url.db'));
    await byUrl.close();
    const byFileUrl = await openStore({ cwd, url: pathToFileURL(join(cwd, 'file url.db')).href });
    expect(byFileUrl.location).toBe(join(cwd, 'file url.db'));
    await byFileUrl.close();
    expect(existsSync(join(cwd, '.lamarck'))).toBe(false);
  });

  it.each(['postgres://lamarck:secret@db.internal:5432/lamarck', 'postgresql://db.internal/lamarck'])(
    'explains that PostgreSQL is not in this build (%s)',
    async (url) => {
      const attempt = openStore({ cwd, url });
      await expect(attempt).rejects.toBeInstanceOf(StoreError);
      await expect(attempt).rejects.toMatchObject({ code: 'store-unsupported', fault: 'environment' });
      await expect(attempt).rejects.toThrow(/PostgreSQL .*not supported in this build/);
      await expect(attempt).rejects.not.toThrow(/secret/);
    },
  );

  it('refuses an unknown url scheme without echoing a password', async () => {
    const attempt = openStore({ cwd, url: 'mysql://root:hunter2@localhost/db' });
    await expect(attempt).rejects.toMatchObject({ code: 'store-config-invalid' });
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });

  it('refuses both a path and a url', async () => {
    await expect(openStore({ cwd, path: 'a.db', url: 'sqlite:b.db' })).rejects.toBeInstanceOf(StoreError);
  });
});
