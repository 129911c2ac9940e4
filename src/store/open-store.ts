import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../core/errors.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  cwd: string;
  /** SQLite file; relative paths are resolved against `cwd`. `:memory:` keeps nothing. */
  path?: string | undefined;
  /** A database URL: `sqlite:<path>` or `file:///<path>` name a file; PostgreSQL URLs are reserved for the shared store. */
  url?: string | undefined;
  busyTimeoutMs?: number | undefined;
}

export const defaultStorePath = '.lamarck/lamarck.db';

/** Opens the store a command should use: by default `<cwd>/.lamarck/lamarck.db`, created on first use. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const path = resolveStorePath(options);
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new StoreError(`cannot create the store directory ${dirname(path)}: ${(error as Error).message}`, { cause: error });
    }
  }
  return SqliteStore.open({ path, ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }) });
}

function resolveStorePath(options: OpenStoreOptions): string {
  if (options.url !== undefined && options.path !== undefined) {
    throw new StoreError('give the store either a path or a url, not both', { code: 'store-config-invalid' });
  }
  if (options.url !== undefined) {
    const url = options.url;
    if (/^postgres(ql)?:\/\//i.test(url)) {
      throw new StoreError(
        'PostgreSQL stores are not supported in this build of lamarck yet; use a SQLite path (store.path) for now',
        { code: 'store-unsupported' },
      );
    }
    if (url.startsWith('file:')) return fileURLToPath(url);
    if (url.startsWith('sqlite:')) {
      const rest = url.slice('sqlite:'.length).replace(/^\/\//, '');
      return rest === ':memory:' ? rest : resolve(options.cwd, rest);
    }
    throw new StoreError(`unsupported store url ${JSON.stringify(redact(url))}: expected sqlite:<path>, file:///<path> or a store path`, {
      code: 'store-config-invalid',
    });
  }
  const path = options.path ?? defaultStorePath;
  return path === ':memory:' ? path : resolve(options.cwd, path);
}

/** Never echo a password from a connection string into an error message. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
