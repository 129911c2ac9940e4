import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { startTestPostgres, type TestPostgresServer } from './server.ts';

/**
 * What a test file uses: the run's shared PostgreSQL server (started on first use) and a fresh
 * database of its own, dropped afterwards. Databases keep test files apart; the server is shared
 * because initdb costs seconds on a busy machine.
 */

let serverPromise: Promise<TestPostgresServer> | undefined;

export function testPostgresServer(): Promise<TestPostgresServer> {
  return (serverPromise ??= joinOrStartServer());
}

export interface TestDatabase {
  name: string;
  /** The database's URL, with the password (tests only). */
  url: string;
  password: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const server = await testPostgresServer();
  const name = `lamarck_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(server, `CREATE DATABASE ${name}`);
  return {
    name,
    url: `postgres://${server.user}:${server.password}@${server.host}:${server.port}/${name}`,
    password: server.password,
    drop: () => adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(server: TestPostgresServer, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The first file to ask starts the server (a directory made with mkdir is the lock); the others wait for it. */
async function joinOrStartServer(): Promise<TestPostgresServer> {
  const { directory, ownerPid } = inject('postgresRendezvous');
  const serverFile = join(directory, 'server.json');
  const failureFile = join(directory, 'failed.txt');
  if (takeStarterLock(join(directory, 'lock'))) {
    try {
      const server = await startTestPostgres({ ownerPid });
      writeFileSync(`${serverFile}.partial`, JSON.stringify(server));
      renameSync(`${serverFile}.partial`, serverFile);
      return server;
    } catch (error) {
      writeFileSync(failureFile, (error as Error).message);
      throw error;
    }
  }
  // Generous: initdb under a load of 20 takes well over ten seconds.
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (existsSync(serverFile)) return JSON.parse(readFileSync(serverFile, 'utf8')) as TestPostgresServer;
    if (existsSync(failureFile)) throw new Error(`the shared test PostgreSQL server failed to start: ${readFileSync(failureFile, 'utf8')}`);
    await sleep(100);
  }
  throw new Error(`no test PostgreSQL server appeared in ${directory} within 300 s`);
}

/** mkdir is atomic: exactly one test file creates the directory and so starts the server. */
function takeStarterLock(path: string): boolean {
  try {
    mkdirSync(path);
    return true;
  } catch {
    return false;
  }
}
