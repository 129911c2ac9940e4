import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../core/errors.ts';
import { PostgresStore } from './postgres-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import { resolveStoreTarget, type PostgresTuning, type StoreTarget } from './store-url.ts';
import type { Store } from './types.ts';
import { definedOnly } from '../core/defined-only.ts';

export { defaultStorePath } from './store-url.ts';

export interface OpenStoreOptions extends PostgresTuning {
  cwd: string;
  /** SQLite file; relative paths are resolved against `cwd`. `:memory:` keeps nothing. */
  path?: string | undefined;
  /** A store URL: `sqlite:<path>` or `file:///<path>` for a file, `postgres://...` for the shared store. */
  url?: string | undefined;
  busyTimeoutMs?: number | undefined;
}

/**
 * Opens the store a command should use: by default `<cwd>/.lamarck/lamarck.db`, created on first
 * use. Every command and `lamarck serve` come here, through the CLI context, with the URL the user
 * gave (`--store`, `LAMARCK_STORE`, or `store` in lamarck.config.json).
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.url !== undefined && options.path !== undefined) {
    throw new StoreError('give the store either a path or a url, not both', { code: 'store-config-invalid' });
  }
  return openStoreTarget(resolveStoreTarget(options.url ?? options.path, options.cwd, options), options.busyTimeoutMs);
}

export async function openStoreTarget(target: StoreTarget, busyTimeoutMs?: number): Promise<Store> {
  if (target.kind === 'postgres') return PostgresStore.open({ settings: target.settings });
  const { path } = target;
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new StoreError(`cannot create the store directory ${dirname(path)}: ${(error as Error).message}`, { cause: error });
    }
  }
  return SqliteStore.open({ path, ...definedOnly({ busyTimeoutMs }) });
}
