import { isLibraryKind, type LibraryKind } from '../library/artifact-content.ts';
import type { ArtifactRecord } from '../store/types.ts';
import type { ItemAddress } from './item-addresses.ts';
import type { LibraryView } from './library-view.ts';
import type { LibrarySkillCatalog, SkillCatalogChange } from './skill-catalog.ts';

/**
 * Notices when the library moves, whoever moved it, and tells every connection of this process.
 * `lamarck learn`, `lamarck library rollback` or another `lamarck mcp` may commit from another
 * process on the same store, so the store is polled: each tick reads the artifact list and
 * compares each item's head version and status with the last tick. A write made through this
 * process's own library is checked at once instead of at the next tick. A move syncs the
 * retrieval index and the skills catalog first, then listeners hear which items moved, so a
 * client that reads after the notification reads the new version.
 *
 * Counter changes (uses, successes) refresh the index's utilities but are not announced: they
 * are not new versions, and every `report_outcome` would otherwise notify every client.
 *
 * A look first reads the store's artifact change mark (one row, whatever the library's size) and
 * stops there when it has not moved since the last look; only a moved mark reads every artifact
 * row. The next tick waits at least `pollMs` and at least twenty times as long as the last look
 * took, so even looks that read a very large library take no more than about a twentieth of the
 * process's time.
 */
export interface LibraryChangeSet {
  /** Items committed, rolled back, merged, added, retired or removed since the last tick. */
  items: ItemAddress[];
  /** The skills extension's entries that changed, as `SKILL.md` URIs, with every file URI before and after. */
  skillFileUris: string[];
  skills: SkillCatalogChange;
}

export type LibraryChangeListener = (change: LibraryChangeSet) => void;

interface ItemMark {
  kind: LibraryKind;
  name: string;
  head: string;
  status: string;
  counters: string;
}

export const defaultPollMs = 1000;
/** The next tick waits at least this many times as long as the last look at the store took. */
const maxTickShare = 20;

export class LibraryChanges {
  readonly #view: LibraryView;
  readonly #skills: LibrarySkillCatalog;
  readonly #pollMs: number;
  readonly #log: (line: string) => void;
  readonly #listeners = new Set<LibraryChangeListener>();
  #marks = new Map<string, ItemMark>();
  /** The store's artifact change mark when `#marks` was read (read before them; see the Store). */
  #storeMark: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #stopListening: (() => void) | undefined;
  #ticks = 0;
  #lastTickMs = 0;

  constructor(view: LibraryView, skills: LibrarySkillCatalog, options: { pollMs?: number; log: (line: string) => void }) {
    this.#view = view;
    this.#skills = skills;
    this.#pollMs = options.pollMs ?? defaultPollMs;
    this.#log = options.log;
  }

  /** Reads the library once (index, skills catalog, marks) and starts watching it. */
  async start(): Promise<void> {
    await this.#view.sync();
    await this.#skills.rebuild(this.#view.index.entries());
    this.#storeMark = await this.#view.library.store.artifactChangeMark();
    this.#marks = marksOf(await this.#view.library.store.listArtifacts());
    this.#stopListening = this.#view.library.onChange(() => this.check());
    this.#schedule();
  }

  subscribe(listener: LibraryChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Finished store reads (for the bench: what watching costs). */
  get ticks(): number {
    return this.#ticks;
  }

  /**
   * Compares the store with the last marks now. Overlapping calls share the check in flight and
   * one more after it, so a change made during a check is not missed.
   */
  check(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#checking !== undefined) {
      this.#again = true;
      return this.#checking;
    }
    this.#checking = this.#checkNow()
      .catch((error: unknown) => this.#log(`library watch: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.#checking = undefined;
        if (this.#again && !this.#closed) {
          this.#again = false;
          void this.check();
        }
      });
    return this.#checking;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopListening?.();
    this.#listeners.clear();
    await this.#checking;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.check().finally(() => this.#schedule());
    }, Math.max(this.#pollMs, Math.ceil(this.#lastTickMs * maxTickShare)));
    // Watching never keeps the process alive: the transport does, for as long as a client is there.
    this.#timer.unref();
  }

  async #checkNow(): Promise<void> {
    const started = performance.now();
    const store = this.#view.library.store;
    const storeMark = await store.artifactChangeMark();
    if (storeMark === this.#storeMark) {
      this.#lastTickMs = performance.now() - started;
      this.#ticks += 1;
      return;
    }
    const marks = marksOf(await store.listArtifacts());
    this.#lastTickMs = performance.now() - started;
    this.#ticks += 1;
    const moved: ItemAddress[] = [];
    let countersMoved = false;
    for (const [id, mark] of marks) {
      const before = this.#marks.get(id);
      if (before === undefined || before.head !== mark.head || before.status !== mark.status) moved.push({ kind: mark.kind, name: mark.name });
      else if (before.counters !== mark.counters) countersMoved = true;
    }
    for (const [id, mark] of this.#marks) if (!marks.has(id)) moved.push({ kind: mark.kind, name: mark.name });
    if (moved.length === 0 && !countersMoved) {
      this.#storeMark = storeMark;
      return;
    }
    await this.#view.sync();
    const skillUrisBefore = new Set(moved.filter((item) => item.kind === 'skill').flatMap((item) => this.#skills.fileUris(skillUriOf(item.name))));
    const skills = await this.#skills.rebuild(this.#view.index.entries());
    this.#marks = marks;
    // Kept only once the change is taken in: if the sync above throws, the next look reads again.
    this.#storeMark = storeMark;
    if (moved.length === 0) return;
    for (const uri of [...skills.added, ...skills.changed]) for (const file of this.#skills.fileUris(uri)) skillUrisBefore.add(file);
    const change: LibraryChangeSet = { items: moved, skillFileUris: [...skillUrisBefore], skills };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#log(`library watch listener: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

function marksOf(artifacts: readonly ArtifactRecord[]): Map<string, ItemMark> {
  const marks = new Map<string, ItemMark>();
  for (const artifact of artifacts) {
    if (!isLibraryKind(artifact.kind)) continue;
    marks.set(artifact.id, {
      kind: artifact.kind,
      name: artifact.name,
      head: artifact.headVersionId,
      status: artifact.status,
      counters: `${artifact.uses}:${artifact.successes}:${artifact.helpful}:${artifact.harmful}`,
    });
  }
  return marks;
}

function skillUriOf(name: string): string {
  return `skill://${encodeURIComponent(name)}/SKILL.md`;
}
