import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { removeAbandonedTestServers, stopTestPostgres, type TestPostgresServer } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the test files of this run meet to share one PostgreSQL server (see test-database.ts). */
    postgresRendezvous: { directory: string; ownerPid: number };
  }
}

/**
 * One PostgreSQL server per vitest run, shared by every test file, started by the first file that
 * asks for it (a run of SQLite tests alone never pays for initdb). Teardown stops it and removes its
 * directory whatever the tests did; servers of runs killed before their teardown are removed at the
 * next run's start.
 */
export default function setup(project: TestProject): () => void {
  removeAbandonedTestServers();
  const directory = mkdtempSync(join(tmpdir(), 'lamarck-test-pg-rendezvous-'));
  project.provide('postgresRendezvous', { directory, ownerPid: process.pid });
  return () => {
    const serverFile = join(directory, 'server.json');
    if (existsSync(serverFile)) {
      const server = JSON.parse(readFileSync(serverFile, 'utf8')) as TestPostgresServer;
      stopTestPostgres(server.directory);
    }
    rmSync(directory, { recursive: true, force: true });
  };
}
