import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../core/errors.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Where a store lives, from the one string every command takes (`--store`, `LAMARCK_STORE`, or
 * `store` in lamarck.config.json): `sqlite:<path>` (or `file:` URLs, or a bare path) for the embedded
 * store, `postgres://` / `postgresql://` for the shared one. The password of a PostgreSQL URL goes
 * into the connection settings only; everything shown to people uses `redactStoreUrl`.
 */

export const defaultStorePath = '.lamarck/lamarck.db';

export type StoreTarget =
  | { kind: 'sqlite'; path: string; display: string }
  | { kind: 'postgres'; settings: PostgresConnectionSettings; display: string };

/** Everything the PostgreSQL store needs to connect; `connectionString` holds the password. */
export interface PostgresConnectionSettings {
  connectionString: string;
  /** The schema the store's tables live in (created on first use); `?schema=` in the URL. */
  schema: string;
  /** Connections in the pool; `?pool_size=` in the URL or `store.poolSize` in the configuration. */
  poolSize: number;
  connectionTimeoutMs: number;
  idleTimeoutMs: number;
  statementTimeoutMs?: number;
  applicationName: string;
}

/** Tuning a configuration file may give beside the URL; URL parameters win over these. */
export interface PostgresTuning {
  poolSize?: number | undefined;
  connectionTimeoutMs?: number | undefined;
  idleTimeoutMs?: number | undefined;
  statementTimeoutMs?: number | undefined;
  schema?: string | undefined;
}

export const defaultPostgresSchema = 'lamarck';

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** True for something written as a URL (`scheme:`), not a path (Windows drive letters are paths). */
export function looksLikeStoreUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-z]:[\\/]/i.test(value);
}

/** Resolves a store URL or path against `cwd`. Bad input is a StoreError that names the URL without its password. */
export function resolveStoreTarget(value: string | undefined, cwd: string, tuning: PostgresTuning = {}): StoreTarget {
  const given = value ?? defaultStorePath;
  if (isPostgresUrl(given)) return postgresTarget(given, tuning);
  if (!looksLikeStoreUrl(given)) return sqliteTarget(given === ':memory:' ? given : resolve(cwd, given));
  if (given.startsWith('file:')) return sqliteTarget(fileURLToPath(given));
  if (given.startsWith('sqlite:')) {
    const rest = given.slice('sqlite:'.length).replace(/^\/\//, '');
    if (rest === '') throw invalid(given, 'sqlite: needs a path, e.g. sqlite:.lamarck/lamarck.db');
    return sqliteTarget(rest === ':memory:' ? rest : resolve(cwd, rest));
  }
  throw invalid(given, 'expected sqlite:<path>, postgres://user@host/database or a file path');
}

function sqliteTarget(path: string): StoreTarget {
  return { kind: 'sqlite', path, display: path === ':memory:' ? 'sqlite::memory:' : `sqlite:${path}` };
}

const tuningParameters = ['schema', 'pool_size', 'connect_timeout_ms', 'idle_timeout_ms', 'statement_timeout_ms'] as const;

function postgresTarget(given: string, tuning: PostgresTuning): StoreTarget {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw invalid(given, 'not a valid URL');
  }
  if (url.pathname.replace(/^\//, '') === '') throw invalid(given, 'name the database, e.g. postgres://user@host:5432/lamarck');
  const givenParameters = new Map(tuningParameters.map((name) => [name, url.searchParams.get(name) ?? undefined]));
  const parameter = (name: (typeof tuningParameters)[number]): string | undefined => givenParameters.get(name);
  const schema = parameter('schema') ?? tuning.schema ?? defaultPostgresSchema;
  if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(schema)) throw invalid(given, `schema ${JSON.stringify(schema)} is not a plain identifier`);
  const statementTimeoutMs = optionalInteger(given, 'statement_timeout_ms', parameter('statement_timeout_ms')) ?? tuning.statementTimeoutMs;
  // Lamarck's own parameters are not PostgreSQL's: the server would refuse them as startup options.
  for (const name of tuningParameters) url.searchParams.delete(name);
  return {
    kind: 'postgres',
    display: redactStoreUrl(given),
    settings: {
      connectionString: url.toString(),
      schema,
      poolSize: optionalInteger(given, 'pool_size', parameter('pool_size'), 1) ?? tuning.poolSize ?? 10,
      connectionTimeoutMs: optionalInteger(given, 'connect_timeout_ms', parameter('connect_timeout_ms')) ?? tuning.connectionTimeoutMs ?? 10_000,
      idleTimeoutMs: optionalInteger(given, 'idle_timeout_ms', parameter('idle_timeout_ms')) ?? tuning.idleTimeoutMs ?? 30_000,
      ...definedOnly({ statementTimeoutMs }),
      applicationName: 'lamarck',
    },
  };
}

function optionalInteger(given: string, name: string, value: string | undefined, minimum = 0): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) throw invalid(given, `${name} must be an integer of at least ${minimum}, got ${JSON.stringify(value)}`);
  return parsed;
}

function invalid(given: string, reason: string): StoreError {
  return new StoreError(`store ${JSON.stringify(redactStoreUrl(given))}: ${reason}`, { code: 'store-config-invalid' });
}

/**
 * The URL as people may see it: the password (in the authority, or a `password=` parameter) is
 * replaced by `***`. Works on text that is not a valid URL too, since that is where errors come from.
 */
export function redactStoreUrl(value: string): string {
  return value
    .replace(/(\/\/[^/@:]*):[^@/]*@/, '$1:***@')
    .replace(/([?&]password=)[^&]*/gi, '$1***');
}

/** Removes a known password from any text (an error message from the driver, a log line). */
export function withoutPassword(textValue: string, password: string | undefined): string {
  if (password === undefined || password === '') return textValue;
  return textValue.split(password).join('***').split(encodeURIComponent(password)).join('***');
}

/** The password a PostgreSQL URL carries, if any (decoded). */
export function passwordOf(connectionString: string): string | undefined {
  try {
    const url = new URL(connectionString);
    const password = url.password === '' ? url.searchParams.get('password') ?? '' : decodeURIComponent(url.password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}
