import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, testPostgresServer } from '../support/postgres/test-database.ts';

// The throwaway server every PostgreSQL test uses: started once per vitest run, in a temporary
// directory owned by the server's user, and reached over loopback with a password.
describe('test PostgreSQL server', () => {
  it('runs from a temporary directory and hands out separate databases that can be dropped', async () => {
    const server = await testPostgresServer();
    expect(existsSync(join(server.directory, 'data', 'PG_VERSION'))).toBe(true);
    if (process.getuid?.() === 0) expect(statSync(server.directory).uid).not.toBe(0);
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    expect(first.name).not.toBe(second.name);
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    const { rows } = await client.query<{ database: string; user: string }>('SELECT current_database() AS database, current_user AS user');
    await client.end();
    expect(rows[0]).toEqual({ database: first.name, user: 'postgres' });
    await first.drop();
    await second.drop();
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = ANY($1)', [[first.name, second.name]]);
    await admin.end();
    expect(left.rows).toEqual([]);
  });

  it('refuses a connection without the password', async () => {
    const server = await testPostgresServer();
    const client = new pg.Client({ host: server.host, port: server.port, user: 'postgres', password: 'wrong', database: 'postgres' });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });
});
