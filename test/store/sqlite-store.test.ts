import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { describeStoreConformance } from './conformance.ts';

// A real file in a temp directory, with a second connection standing in for another process.
describeStoreConformance('sqlite file', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'lamarck-store-'));
  const path = join(directory, 'lamarck.db');
  const opened: SqliteStore[] = [SqliteStore.open({ path })];
  return {
    store: opened[0]!,
    sharedUrl: `sqlite:${path}`,
    openAnother: async () => {
      const another = SqliteStore.open({ path });
      opened.push(another);
      return another;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

// The same store on `:memory:`: what `openStore({ path: ':memory:' })` gives.
describeStoreConformance('sqlite :memory:', async () => {
  const store = SqliteStore.open({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});
