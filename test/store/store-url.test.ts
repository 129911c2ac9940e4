import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.ts';
import { redactStoreUrl, resolveStoreTarget } from '../../src/store/store-url.ts';

describe('resolveStoreTarget', () => {
  const cwd = '/work/project';

  it('defaults to .lamarck/lamarck.db under cwd and reads sqlite:, file: and bare paths', () => {
    expect(resolveStoreTarget(undefined, cwd)).toEqual({ kind: 'sqlite', path: join(cwd, '.lamarck/lamarck.db'), display: `sqlite:${join(cwd, '.lamarck/lamarck.db')}` });
    expect(resolveStoreTarget('sqlite:data/a.db', cwd)).toMatchObject({ kind: 'sqlite', path: join(cwd, 'data/a.db') });
    expect(resolveStoreTarget('sqlite:///abs/b.db', cwd)).toMatchObject({ kind: 'sqlite', path: '/abs/b.db' });
    expect(resolveStoreTarget('file:///abs/c.db', cwd)).toMatchObject({ kind: 'sqlite', path: '/abs/c.db' });
    expect(resolveStoreTarget('runs.db', cwd)).toMatchObject({ kind: 'sqlite', path: join(cwd, 'runs.db') });
    expect(resolveStoreTarget('sqlite::memory:', cwd)).toMatchObject({ kind: 'sqlite', path: ':memory:' });
  });

  it('reads a PostgreSQL url with its pool and schema settings, and keeps them out of the connection string', () => {
    const target = resolveStoreTarget('postgresql://team:pa%40ss@db.example:6543/shared?schema=lab&pool_size=4&connect_timeout_ms=2500&sslmode=require', cwd, {
      poolSize: 20,
      idleTimeoutMs: 1000,
    });
    if (target.kind !== 'postgres') throw new Error('expected postgres');
    expect(target.display).toBe('postgresql://team:***@db.example:6543/shared?schema=lab&pool_size=4&connect_timeout_ms=2500&sslmode=require');
    expect(target.settings).toMatchObject({ schema: 'lab', poolSize: 4, connectionTimeoutMs: 2500, idleTimeoutMs: 1000 });
    expect(target.settings.connectionString).toBe('postgresql://team:pa%40ss@db.example:6543/shared?sslmode=require');
    const defaults = resolveStoreTarget('postgres://db.example/shared', cwd);
    expect(defaults).toMatchObject({ settings: { schema: 'lamarck', poolSize: 10 } });
  });

  it.each([
    ['postgres://user:hunter2@db.example/', /name the database/],
    ['postgres://user:hunter2@db.example/x?pool_size=0', /pool_size must be an integer of at least 1/],
    ['postgres://user:hunter2@db.example/x?schema=a;drop', /schema .* is not a plain identifier/],
    ['mysql://user:hunter2@db.example/x', /expected sqlite:<path>, postgres:/],
  ])('refuses %s with a reason and without the password', (url, reason) => {
    let caught: unknown;
    try {
      resolveStoreTarget(url, cwd);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).message).toMatch(reason);
    expect((caught as StoreError).message).not.toContain('hunter2');
  });
});

describe('redactStoreUrl', () => {
  it('hides the password in the authority and in a password parameter, and leaves other urls alone', () => {
    expect(redactStoreUrl('postgres://u:p@h/d')).toBe('postgres://u:***@h/d');
    expect(redactStoreUrl('postgres://u@h/d?password=p&x=1')).toBe('postgres://u@h/d?password=***&x=1');
    expect(redactStoreUrl('postgres://h/d')).toBe('postgres://h/d');
    expect(redactStoreUrl('sqlite:/a/b.db')).toBe('sqlite:/a/b.db');
  });
});
