import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PostgresConnectionSettings } from '../store-url.ts';
import { definedOnly } from '../../core/defined-only.ts';

/** The type parsers every pooled client uses: BIGINT (OID 20) as a number, everything else as pg parses it. */
const bigintOid = 20;
const parseBigint = (value: string): number => Number(value);
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === bigintOid && format !== 'binary' ? parseBigint : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * One pool of connections to one database (and schema). Statements go out as named prepared
 * statements, so the server plans each hot statement once per connection, not once per call.
 */
export class PostgresConnection {
  readonly pool: pg.Pool;
  readonly schema: string;
  #open = true;

  constructor(settings: PostgresConnectionSettings) {
    this.schema = settings.schema;
    this.pool = new pg.Pool({
      connectionString: settings.connectionString,
      max: settings.poolSize,
      connectionTimeoutMillis: settings.connectionTimeoutMs,
      idleTimeoutMillis: settings.idleTimeoutMs,
      application_name: settings.applicationName,
      // The schema is a session setting, so every statement names tables without qualifying them.
      options: `-c search_path=${quoteIdentifier(settings.schema)}`,
      ...definedOnly({ statement_timeout: settings.statementTimeoutMs }),
      types: typeParsers,
    });
    // An idle client that loses its server emits 'error' on the pool; unhandled, that would end the process.
    this.pool.on('error', () => undefined);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async query(sql: string, values: unknown[] = [], client: Queryable = this.pool): Promise<pg.QueryResult<Record<string, unknown>>> {
    return client.query({ name: statementName(sql), text: sql, values });
  }

  /** Runs `body` in one transaction on one client; rolled back when it throws. */
  async transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection itself failed: it is dropped from the pool below, and the server has rolled back.
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.pool.end();
  }
}

const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `lamarck_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return name;
}

export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
