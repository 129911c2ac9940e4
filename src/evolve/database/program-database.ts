import type { JsonObject } from '../../core/json.ts';
import type { FeatureDimension } from '../types.ts';
import { EliteArchive } from './elite-archive.ts';
import { FeatureSpace } from './feature-grid.ts';
import { Island } from './island.ts';
import { ParetoFront, type Objective } from './pareto-front.ts';
import type { FailedProgramInfo, Placement, ProgramInfo } from './program-entry.ts';
import { estimateSimilarity, type TextFingerprint } from './text-fingerprint.ts';

/**
 * The program database: islands (each with a MAP-Elites grid and a score order), an elite archive
 * and population caps. It holds lightweight entries only; adding, evicting and the lookups a
 * step needs are O(log n) or O(cells), so the engine's per-iteration cost does not grow with the
 * population. Migration is periodic and moves an island's top fraction one step around the ring.
 */
export interface DatabaseSettings {
  islands: number;
  /** Total programs kept over all islands (each island keeps its share). */
  populationSize: number;
  archiveSize: number;
  /** Children added to an island between two of its migrations. */
  migrationInterval: number;
  /** Fraction of an island's best programs sent to the next island. */
  migrationRate: number;
  features: FeatureDimension[];
  /** Programs whose fingerprints anchor the diversity feature. */
  referenceSampleSize: number;
  /** Metrics of a Pareto front (`settings.objectives`); none: selection by combined_score alone. */
  objectives: Objective[];
  /** Members the Pareto front keeps at most (`settings.frontSize`). */
  frontSize: number;
}

export const defaultFeatures: FeatureDimension[] = [
  { name: 'code-length', bins: 10 },
  { name: 'diversity', bins: 10 },
];

export const defaultDatabaseSettings: DatabaseSettings = {
  islands: 4,
  populationSize: 1000,
  archiveSize: 100,
  migrationInterval: 50,
  migrationRate: 0.1,
  features: defaultFeatures,
  referenceSampleSize: 16,
  objectives: [],
  frontSize: 32,
};

export interface NewProgramEntry {
  id: string;
  sequence: number;
  parentId: string | null;
  operator: string;
  generation: number;
  score: number;
  features: Record<string, number>;
  fingerprint: TextFingerprint;
  island: number;
  /** The evaluator's metrics: the Pareto front reads its objectives from them. */
  metrics?: JsonObject | undefined;
}

export interface MigrationMove {
  programId: string;
  from: number;
  to: number;
}

export class ProgramDatabase {
  readonly settings: DatabaseSettings;
  readonly space: FeatureSpace;
  readonly islands: Island[];
  readonly archive: EliteArchive;
  /** The Pareto front over `settings.objectives`; undefined when none are configured. */
  readonly front: ParetoFront | undefined;
  private readonly programs = new Map<string, ProgramInfo>();
  private readonly references: TextFingerprint[] = [];
  private bestProgram: ProgramInfo | undefined;
  private nextKey = 1;
  private readonly islandCapacity: number;

  constructor(settings: Partial<DatabaseSettings> = {}) {
    this.settings = { ...defaultDatabaseSettings, ...settings };
    this.space = new FeatureSpace(this.settings.features);
    this.islands = Array.from({ length: Math.max(1, this.settings.islands) }, (_, index) => new Island(index, this.space));
    this.archive = new EliteArchive(this.settings.archiveSize);
    this.front = this.settings.objectives.length > 0 ? new ParetoFront(this.settings.objectives, this.settings.frontSize) : undefined;
    this.islandCapacity = Math.max(2, Math.ceil(this.settings.populationSize / this.islands.length));
  }

  get size(): number {
    return this.programs.size;
  }

  get(programId: string): ProgramInfo | undefined {
    return this.programs.get(programId);
  }

  best(): ProgramInfo | undefined {
    return this.bestProgram;
  }

  island(index: number): Island {
    return this.islands[((index % this.islands.length) + this.islands.length) % this.islands.length]!;
  }

  /**
   * Feature values for a new program: code length, diversity (mean estimated distance to a fixed
   * reference sample of early programs) and any evaluator metric named as a dimension.
   */
  computeFeatures(fingerprint: TextFingerprint, metrics: JsonObject): Record<string, number> {
    const values: Record<string, number> = {};
    for (const dimension of this.space.dimensions) {
      if (dimension.name === 'code-length') values[dimension.name] = fingerprint.length;
      else if (dimension.name === 'diversity') values[dimension.name] = this.diversity(fingerprint);
      else {
        const metric = metrics[dimension.name];
        values[dimension.name] = typeof metric === 'number' && Number.isFinite(metric) ? metric : 0;
      }
    }
    return values;
  }

  /** Adds an evaluated program to its island; evicts over the cap. Returns the evicted program ids. */
  add(entry: NewProgramEntry): { info: ProgramInfo; evicted: string[] } {
    const existing = this.programs.get(entry.id);
    if (existing !== undefined) return { info: existing, evicted: [] };
    const info: ProgramInfo = {
      id: entry.id,
      sequence: entry.sequence,
      parentId: entry.parentId,
      operator: entry.operator,
      generation: entry.generation,
      score: entry.score,
      features: entry.features,
      fingerprint: entry.fingerprint,
      children: 0,
      islands: [],
      migrated: false,
    };
    this.programs.set(info.id, info);
    if (this.references.length < this.settings.referenceSampleSize) this.references.push(info.fingerprint);
    this.space.observe(info.features);
    if (this.bestProgram === undefined || ranksAbove(info, this.bestProgram)) this.bestProgram = info;
    const island = this.island(entry.island);
    this.place(info, island.index, false);
    island.generationsSinceMigration += 1;
    this.archive.offer(info);
    const values = this.front?.valuesOf(entry.score, entry.metrics ?? {});
    if (values !== undefined) this.front?.offer(info, values);
    return { info, evicted: this.evictOver(island) };
  }

  /** Places an existing program on another island as a copy (the seed on every island, migration). */
  addCopy(programId: string, islandIndex: number): boolean {
    const info = this.programs.get(programId);
    const island = this.island(islandIndex);
    if (info === undefined || island.has(programId)) return false;
    this.place(info, island.index, true);
    this.evictOver(island);
    return true;
  }

  recordFailure(failure: FailedProgramInfo): void {
    this.island(failure.island).recordFailure(failure);
  }

  /** Counts a child proposed from `parentId` (lowers its selection weight). */
  noteChild(parentId: string): void {
    const info = this.programs.get(parentId);
    if (info !== undefined) info.children += 1;
  }

  /** Islands whose migration interval has elapsed. */
  islandsDueForMigration(): number[] {
    if (this.islands.length < 2 || this.settings.migrationRate <= 0) return [];
    return this.islands
      .filter((island) => island.generationsSinceMigration >= this.settings.migrationInterval)
      .map((island) => island.index);
  }

  /**
   * Ring migration from one island: its top fraction goes to the next island. Programs that
   * migrated before, copies, and programs the destination already holds are skipped, so copies
   * never multiply.
   */
  migrateFrom(islandIndex: number): MigrationMove[] {
    const source = this.island(islandIndex);
    source.generationsSinceMigration = 0;
    const target = this.island(islandIndex + 1);
    if (target === source) return [];
    const count = Math.max(1, Math.floor(source.size * this.settings.migrationRate));
    const moves: MigrationMove[] = [];
    for (const placement of source.top(count)) {
      if (placement.copy || placement.info.migrated || target.has(placement.info.id)) continue;
      placement.info.migrated = true;
      moves.push({ programId: placement.info.id, from: source.index, to: target.index });
    }
    for (const move of moves) this.addCopy(move.programId, move.to);
    return moves;
  }

  /** Replays recorded moves on resume (programs evicted since are skipped). */
  applyMigration(moves: readonly MigrationMove[]): void {
    for (const move of moves) {
      const info = this.programs.get(move.programId);
      if (info === undefined) continue;
      info.migrated = true;
      this.addCopy(move.programId, move.to);
    }
  }

  private place(info: ProgramInfo, islandIndex: number, copy: boolean): Placement {
    const placement: Placement = { key: this.nextKey, info, island: islandIndex, copy, slot: -1 };
    this.nextKey += 1;
    info.islands.push(islandIndex);
    this.island(islandIndex).add(placement);
    return placement;
  }

  /**
   * Evicts the island's worst placements until it fits its cap. Placements that own a grid cell,
   * sit in the archive or on the Pareto front, or are the best program are kept while any other
   * candidate exists.
   */
  private evictOver(island: Island): string[] {
    const evicted: string[] = [];
    while (island.size > this.islandCapacity) {
      const victim = this.pickVictim(island);
      if (victim === undefined) break;
      island.remove(victim);
      const info = victim.info;
      info.islands.splice(info.islands.indexOf(island.index), 1);
      if (info.islands.length === 0) {
        this.programs.delete(info.id);
        this.archive.remove(info.id);
        evicted.push(info.id);
      }
    }
    return evicted;
  }

  private pickVictim(island: Island): Placement | undefined {
    let victim: Placement | undefined;
    let fallback: Placement | undefined;
    island.byScore.ascending((placement) => {
      if (placement.info === this.bestProgram) return true;
      fallback ??= placement;
      const protectedPlacement = island.grid.ownsCell(placement) || (!placement.copy && (this.archive.has(placement.info.id) || this.front?.has(placement.info.id) === true));
      if (!protectedPlacement) {
        victim = placement;
        return false;
      }
      return true;
    });
    return victim ?? fallback;
  }

  private diversity(fingerprint: TextFingerprint): number {
    if (this.references.length === 0) return 0;
    let total = 0;
    let count = 0;
    for (const reference of this.references) {
      if (reference === fingerprint) continue;
      total += 1 - estimateSimilarity(reference.signature, fingerprint.signature);
      count += 1;
    }
    return count === 0 ? 0 : total / count;
  }
}

function ranksAbove(candidate: ProgramInfo, other: ProgramInfo): boolean {
  if (candidate.score !== other.score) return candidate.score > other.score;
  return candidate.sequence < other.sequence;
}
