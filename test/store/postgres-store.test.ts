import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { PostgresStore } from '../../src/store/postgres-store.ts';
import { resolveStoreTarget } from '../../src/store/store-url.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres/test-database.ts';
import { describeStoreConformance } from './conformance.ts';

// A real PostgreSQL server (the run's throwaway one): a database for this file, a schema per test,
// and a second store (its own pool) standing in for another process.
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

describeStoreConformance('postgres', async () => {
  const url = `${database.url}?schema=t_${randomBytes(5).toString('hex')}`;
  const open = async (): Promise<PostgresStore> => {
    const target = resolveStoreTarget(url, process.cwd());
    if (target.kind !== 'postgres') throw new Error('expected a postgres target');
    return PostgresStore.open({ settings: target.settings });
  };
  const opened: PostgresStore[] = [await open()];
  return {
    store: opened[0]!,
    sharedUrl: url,
    openAnother: async () => {
      const another = await open();
      opened.push(another);
      return another;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
    },
  };
});
