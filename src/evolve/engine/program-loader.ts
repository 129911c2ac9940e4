import type { JsonObject, JsonValue } from '../../core/json.ts';
import type { ProgramRecord, Store } from '../../store/types.ts';
import { programText } from '../database/text-fingerprint.ts';
import type { ProgramSnapshot } from '../types.ts';

/**
 * Fetches program code from the store for the few programs a step needs (parent, inspirations,
 * novelty look-alikes), through a small LRU cache so popular parents are read once.
 */
export class ProgramLoader {
  private readonly store: Store;
  private readonly capacity: number;
  private readonly evolvableFiles: readonly string[];
  private readonly cache = new Map<string, ProgramRecord>();

  constructor(options: { store: Store; evolvableFiles: readonly string[]; capacity?: number }) {
    this.store = options.store;
    this.evolvableFiles = options.evolvableFiles;
    this.capacity = options.capacity ?? 256;
  }

  /** Records a program just written, so the next step that picks it needs no read. */
  remember(record: ProgramRecord): void {
    this.cache.delete(record.id);
    this.cache.set(record.id, record);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
  }

  async get(programId: string): Promise<ProgramRecord | undefined> {
    const cached = this.cache.get(programId);
    if (cached !== undefined) {
      this.cache.delete(programId);
      this.cache.set(programId, cached);
      return cached;
    }
    const record = await this.store.getProgram(programId);
    if (record !== undefined) this.remember(record);
    return record;
  }

  /** The text the fingerprints and novelty compare: the evolvable files, in path order. */
  async text(programId: string): Promise<string | undefined> {
    const record = await this.get(programId);
    return record === undefined ? undefined : this.textOf(record.files);
  }

  textOf(files: Record<string, string>): string {
    const evolvable = this.evolvableFiles.filter((path) => files[path] !== undefined);
    return programText(files, evolvable.length > 0 ? evolvable : undefined);
  }
}

/** What an operator sees of a program; artifacts are cut to a budget so prompts stay bounded. */
export function toSnapshot(record: ProgramRecord, artifactCharacters = 4000): ProgramSnapshot {
  return {
    id: record.id,
    files: record.files,
    score: record.score,
    metrics: record.metrics,
    artifacts: truncateArtifacts(record.artifacts, artifactCharacters),
    failure: record.failure,
    operator: record.operator,
    generation: record.generation,
  };
}

/** Keeps the head and the tail of long text values (tracebacks end with the useful line). */
export function truncateArtifacts(artifacts: JsonObject, budget: number): JsonObject {
  const result: JsonObject = {};
  const keys = Object.keys(artifacts);
  const perValue = Math.max(200, Math.floor(budget / Math.max(1, keys.length)));
  for (const key of keys) result[key] = truncateValue(artifacts[key]!, perValue);
  return result;
}

function truncateValue(value: JsonValue, limit: number): JsonValue {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text.length <= limit) return value;
  const head = Math.floor(limit * 0.4);
  const tail = limit - head;
  return `${text.slice(0, head)}\n… [${text.length - limit} characters cut] …\n${text.slice(text.length - tail)}`;
}
