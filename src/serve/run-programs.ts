import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ProgramSummary, Store } from '../store/types.ts';

/**
 * The programs of one evolve run, held in memory as lean summaries (never the code) and brought
 * up to date incrementally: each refresh reads only the summaries stored after the last sequence
 * seen, so a page of a 100,000-program run costs one small query, not a scan. Every chart, the
 * lineage tree and the program lists are computed from this index.
 */
export class RunPrograms {
  readonly runId: string;
  readonly programs: ProgramSummary[] = [];
  private readonly store: Store;
  private readonly positions = new Map<string, number>();
  private readonly childPositions = new Map<string, number[]>();
  private readonly rootPositions: number[] = [];
  private lastSequence = 0;
  private bestPosition = -1;
  private reading: Promise<void> | undefined;
  private followUp: Promise<void> | undefined;
  /** Incremented whenever programs were added, so derived views know when to recompute. */
  revision = 0;
  private readonly memos = new Map<string, unknown>();
  private memoRevision = 0;

  constructor(store: Store, runId: string) {
    this.store = store;
    this.runId = runId;
  }

  get size(): number {
    return this.programs.length;
  }

  /**
   * Reads what was stored since the last refresh. A caller sees every program stored before it
   * called: a page refetches because the live stream announced a new program, and a read that
   * began before that program was written (or a result reused for a while) would show the old count
   * with no later announcement to correct it. Callers that arrive while a read is under way wait for
   * it and then share one follow-up read, so a burst of page requests makes at most two small queries.
   */
  refresh(): Promise<void> {
    if (this.reading === undefined) return this.startRead();
    this.followUp ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.followUp = undefined;
        return this.startRead();
      });
    return this.followUp;
  }

  private startRead(): Promise<void> {
    const read = this.readNew().finally(() => {
      if (this.reading === read) this.reading = undefined;
    });
    this.reading = read;
    return read;
  }

  /**
   * A value derived from the programs (a series, a sorted order), computed once per revision: a
   * finished run's pages cost the computation once, a running run's once per new batch of programs.
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.memoRevision !== this.revision) {
      this.memos.clear();
      this.memoRevision = this.revision;
    }
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    // A bounded number of keys: query strings come from users.
    if (this.memos.size > 64) this.memos.delete(this.memos.keys().next().value!);
    return value;
  }

  get(programId: string): ProgramSummary | undefined {
    const position = this.positions.get(programId);
    return position === undefined ? undefined : this.programs[position];
  }

  childrenOf(programId: string): ProgramSummary[] {
    return (this.childPositions.get(programId) ?? []).map((position) => this.programs[position]!);
  }

  childCount(programId: string): number {
    return this.childPositions.get(programId)?.length ?? 0;
  }

  /** Programs without a parent in this run: the initial program (and any seeded ones). */
  roots(): ProgramSummary[] {
    return this.rootPositions.map((position) => this.programs[position]!);
  }

  best(): ProgramSummary | undefined {
    return this.bestPosition < 0 ? undefined : this.programs[this.bestPosition];
  }

  private async readNew(): Promise<void> {
    const pageSize = 1000;
    for (let pages = 0; ; pages += 1) {
      // Reads answer synchronously on SQLite: between pages, let other requests and streams run.
      if (pages > 0) await nextTurn();
      const page = await this.store.listProgramSummaries(this.runId, { afterSequence: this.lastSequence, limit: pageSize });
      for (const program of page) this.add(program);
      if (page.length > 0) this.revision += 1;
      if (page.length < pageSize) return;
    }
  }

  private add(program: ProgramSummary): void {
    if (this.positions.has(program.id)) return;
    const position = this.programs.length;
    this.programs.push(program);
    this.positions.set(program.id, position);
    this.lastSequence = Math.max(this.lastSequence, program.sequence ?? this.lastSequence + 1);
    // Parents are stored before their children; one that is not here (from another run) makes a root.
    if (program.parentId === null || !this.positions.has(program.parentId)) this.rootPositions.push(position);
    if (program.parentId !== null) {
      const siblings = this.childPositions.get(program.parentId);
      if (siblings === undefined) this.childPositions.set(program.parentId, [position]);
      else siblings.push(position);
    }
    if (isScored(program) && (this.bestPosition < 0 || program.score! > this.programs[this.bestPosition]!.score!)) this.bestPosition = position;
  }
}

/** Evaluated with a finite score: what counts for best and mean. */
export function isScored(program: ProgramSummary): boolean {
  return program.status === 'evaluated' && typeof program.score === 'number' && Number.isFinite(program.score);
}

/** A few runs' indexes, least recently used dropped first, so memory stays bounded. */
export class RunProgramsCache {
  private readonly store: Store;
  private readonly capacity: number;
  private readonly entries = new Map<string, RunPrograms>();

  constructor(store: Store, capacity = 6) {
    this.store = store;
    this.capacity = capacity;
  }

  /** The index of a run, refreshed. */
  async get(runId: string): Promise<RunPrograms> {
    let entry = this.entries.get(runId);
    if (entry === undefined) {
      entry = new RunPrograms(this.store, runId);
      this.entries.set(runId, entry);
      if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    } else {
      this.entries.delete(runId);
      this.entries.set(runId, entry);
    }
    await entry.refresh();
    return entry;
  }
}
