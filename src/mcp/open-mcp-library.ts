import type { Library } from '../library/library.ts';
import { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { EmbeddingClient } from '../model/types.ts';
import { LibraryChanges } from './library-changes.ts';
import { LibraryView } from './library-view.ts';
import type { McpSharedOptions } from './server-context.ts';
import { LibrarySkillCatalog } from './skill-catalog.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * What one `lamarck mcp` process serves, ready for its connections: the library with its
 * retrieval index, the skills catalog and the change watcher, read once and then kept in step
 * with the store. `close()` stops the watcher (the store stays the caller's).
 */
export interface OpenMcpLibraryOptions {
  library: Library;
  embedding?: EmbeddingClient;
  tokenBudget: number;
  maxItems: number;
  /** How often the store is polled for changes made by other processes (default 1000 ms). */
  pollMs?: number;
  log: (line: string) => void;
}

export interface OpenMcpLibrary {
  shared: McpSharedOptions;
  close(): Promise<void>;
}

export async function openMcpLibrary(options: OpenMcpLibraryOptions): Promise<OpenMcpLibrary> {
  const view = new LibraryView(options.library, new LibraryIndex(options.embedding === undefined ? {} : { embedding: options.embedding }));
  const skills = new LibrarySkillCatalog(options.log);
  const changes = new LibraryChanges(view, skills, { log: options.log, ...definedOnly({ pollMs: options.pollMs }) });
  await changes.start();
  return {
    shared: { view, skills, changes, tokenBudget: options.tokenBudget, maxItems: options.maxItems, log: options.log },
    close: () => changes.close(),
  };
}
