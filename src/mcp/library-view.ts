import type { Library } from '../library/library.ts';
import type { LibraryIndex } from '../library/retrieval/library-index.ts';

/**
 * The library as one `lamarck mcp` process serves it: the versioned library over the store and a
 * retrieval index kept in step with it. Reads use the index as last synced, which the change
 * watcher refreshes when the store moves (also by another process), so a search does not re-read
 * a large library on every call; a write made here syncs at once.
 */
export class LibraryView {
  readonly library: Library;
  readonly index: LibraryIndex;
  #syncing: Promise<number> | undefined;

  constructor(library: Library, index: LibraryIndex) {
    this.library = library;
    this.index = index;
  }

  /** Brings the index up to date; overlapping calls share one sync. Returns how many entries changed. */
  sync(): Promise<number> {
    this.#syncing ??= this.index.sync(this.library).finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }
}
