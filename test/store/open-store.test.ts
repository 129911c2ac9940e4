import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.ts';
import { openStore } from '../../src/store/open-store.ts';

/** A loopback port nothing listens on (taken from the kernel, then released). */
function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
    });
  });
}

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

  it('opens a PostgreSQL url, and a server that refuses the connection is a retryable error without the password', async () => {
    const closedPort = await unusedPort();
    const attempt = openStore({ cwd, url: `postgres://lamarck:s3cret-pw@127.0.0.1:${closedPort}/lamarck?connect_timeout_ms=5000` });
    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ code: 'store-unavailable', isRetryable: true });
    await expect(attempt).rejects.toThrow(`postgres://lamarck:***@127.0.0.1:${closedPort}/lamarck`);
    await expect(attempt).rejects.not.toThrow(/s3cret-pw/);
  });

  it('refuses an unknown url scheme without echoing a password', async () => {
    const attempt = openStore({ cwd, url: 'mysql://root:hunter2@localhost/db' });
    await expect(attempt).rejects.toMatchObject({ code: 'store-config-invalid' });
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });

  it('refuses both a path and a url', async () => {
    await expect(openStore({ cwd, path: 'a.db', url: 'sqlite:b.db' })).rejects.toBeInstanceOf(StoreError);
  });
});
