import { rmSync } from 'node:fs';
import { afterEach } from 'vitest';
import type { Store } from '../../../src/store/types.ts';
import { createMemoryStore } from '../../../src/testing/memory-store.ts';

/**
 * Stores and temp directories a test file opens, closed and removed after each test. Call once at
 * the top of a test file: it registers the afterEach hook there.
 */
export function closeAfterEach(): { memoryStore(): Store; keep(store: Store): Store; keepDirectory(directory: string): string } {
  const stores: Store[] = [];
  const directories: string[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
  const keep = (store: Store): Store => {
    stores.push(store);
    return store;
  };
  return {
    memoryStore: () => keep(createMemoryStore()),
    keep,
    keepDirectory: (directory) => {
      directories.push(directory);
      return directory;
    },
  };
}
