import { IslandGrid, type FeatureSpace } from './feature-grid.ts';
import { OrderStatisticTree } from './order-statistic-tree.ts';
import type { FailedProgramInfo, Placement } from './program-entry.ts';
import { SimilarityIndex } from './similarity-index.ts';

/**
 * One island: its placements ordered by score (median, quantiles, top fraction, eviction order),
 * a member list for O(1) uniform draws, its MAP-Elites grid, a similarity index for novelty, and
 * its most recent failures for fix mode. Every operation is O(log n) or O(cells).
 */
export class Island {
  readonly index: number;
  readonly grid: IslandGrid;
  readonly similarity = new SimilarityIndex();
  readonly byScore = new OrderStatisticTree<Placement>();
  /** Children added here since the last migration. */
  generationsSinceMigration = 0;
  private readonly members: Placement[] = [];
  private readonly programIds = new Map<string, Placement>();
  private readonly failures: FailedProgramInfo[] = [];
  private readonly failureCapacity: number;

  constructor(index: number, space: FeatureSpace, failureCapacity = 32) {
    this.index = index;
    this.grid = new IslandGrid(space);
    this.failureCapacity = failureCapacity;
  }

  get size(): number {
    return this.members.length;
  }

  has(programId: string): boolean {
    return this.programIds.has(programId);
  }

  placementOf(programId: string): Placement | undefined {
    return this.programIds.get(programId);
  }

  add(placement: Placement): void {
    placement.slot = this.members.length;
    this.members.push(placement);
    this.programIds.set(placement.info.id, placement);
    this.byScore.insert(placement.info.score, placement.key, placement);
    this.similarity.add(placement);
    this.grid.offer(placement);
  }

  remove(placement: Placement): void {
    const last = this.members.pop()!;
    if (last !== placement) {
      this.members[placement.slot] = last;
      last.slot = placement.slot;
    }
    this.programIds.delete(placement.info.id);
    this.byScore.remove(placement.info.score, placement.key);
    this.similarity.remove(placement);
    this.grid.remove(placement);
  }

  /** A uniformly random member, given a draw in [0, 1). */
  memberAt(fraction: number): Placement | undefined {
    if (this.members.length === 0) return undefined;
    return this.members[Math.min(this.members.length - 1, Math.floor(fraction * this.members.length))];
  }

  best(): Placement | undefined {
    return this.byScore.highest();
  }

  /** The `count` best placements, best first. */
  top(count: number): Placement[] {
    const result: Placement[] = [];
    if (count <= 0) return result;
    this.byScore.descending((placement) => {
      result.push(placement);
      return result.length < count;
    });
    return result;
  }

  recordFailure(failure: FailedProgramInfo): void {
    this.failures.push(failure);
    if (this.failures.length > this.failureCapacity) this.failures.shift();
  }

  /** Gives back the failures a checkpoint kept (oldest first). */
  restoreFailures(failures: readonly FailedProgramInfo[]): void {
    this.failures.length = 0;
    this.failures.push(...failures.slice(-this.failureCapacity));
  }

  /** Recent failures, newest last. */
  recentFailures(): readonly FailedProgramInfo[] {
    return this.failures;
  }
}
