import type { FeatureDimension } from '../types.ts';
import type { Placement } from './program-entry.ts';

/**
 * The MAP-Elites grid: feature values are binned per dimension into a cell, and each island keeps
 * its best program per cell. Ranges are fixed when configured; otherwise they widen (with a margin,
 * so rarely) to cover the values seen, and each grid re-bins only its elites then, in O(cells).
 */
interface DimensionRange {
  name: string;
  bins: number;
  min: number;
  max: number;
  fixed: boolean;
  seen: boolean;
}

export class FeatureSpace {
  readonly dimensions: readonly DimensionRange[];
  /** Bumped whenever an adaptive range widens; grids compare it to know when to re-bin. */
  epoch = 0;

  constructor(dimensions: readonly FeatureDimension[]) {
    this.dimensions = dimensions.map((dimension) => {
      const fixed = dimension.min !== undefined && dimension.max !== undefined && dimension.max > dimension.min;
      return {
        name: dimension.name,
        bins: Math.max(1, Math.floor(dimension.bins)),
        min: fixed ? dimension.min! : 0,
        max: fixed ? dimension.max! : 0,
        fixed,
        seen: fixed,
      };
    });
  }

  get cellCount(): number {
    return this.dimensions.reduce((product, dimension) => product * dimension.bins, 1);
  }

  /** Widens adaptive ranges to include these values. */
  observe(values: Record<string, number>): void {
    for (const dimension of this.dimensions) {
      if (dimension.fixed) continue;
      const value = values[dimension.name];
      if (value === undefined || !Number.isFinite(value)) continue;
      if (!dimension.seen) {
        dimension.min = value;
        dimension.max = value;
        dimension.seen = true;
        this.epoch += 1;
        continue;
      }
      if (value >= dimension.min && value <= dimension.max) continue;
      // Widen by half the span beyond the new value so a drifting feature re-bins only O(log) times.
      const span = Math.max(dimension.max - dimension.min, Math.abs(value) * 0.1, 1e-9);
      if (value < dimension.min) dimension.min = value - span * 0.5;
      else dimension.max = value + span * 0.5;
      this.epoch += 1;
    }
  }

  binOf(dimensionIndex: number, value: number | undefined): number {
    const dimension = this.dimensions[dimensionIndex]!;
    if (value === undefined || !Number.isFinite(value) || dimension.max <= dimension.min) return 0;
    const position = (value - dimension.min) / (dimension.max - dimension.min);
    return Math.min(dimension.bins - 1, Math.max(0, Math.floor(position * dimension.bins)));
  }

  cellOf(values: Record<string, number>): number {
    let cell = 0;
    let stride = 1;
    for (let index = 0; index < this.dimensions.length; index += 1) {
      cell += this.binOf(index, values[this.dimensions[index]!.name]) * stride;
      stride *= this.dimensions[index]!.bins;
    }
    return cell;
  }

  coordinates(cell: number): number[] {
    const result: number[] = [];
    let rest = cell;
    for (const dimension of this.dimensions) {
      result.push(rest % dimension.bins);
      rest = Math.floor(rest / dimension.bins);
    }
    return result;
  }

  /** Cells within `radius` bins of `cell` in every dimension, itself excluded. */
  neighbours(cell: number, radius: number): number[] {
    const centre = this.coordinates(cell);
    const result: number[] = [];
    const current = new Array<number>(centre.length).fill(0);
    const visit = (dimensionIndex: number, cellSoFar: number, stride: number): void => {
      if (dimensionIndex === centre.length) {
        if (cellSoFar !== cell) result.push(cellSoFar);
        return;
      }
      const bins = this.dimensions[dimensionIndex]!.bins;
      const low = Math.max(0, centre[dimensionIndex]! - radius);
      const high = Math.min(bins - 1, centre[dimensionIndex]! + radius);
      for (let bin = low; bin <= high; bin += 1) {
        current[dimensionIndex] = bin;
        visit(dimensionIndex + 1, cellSoFar + bin * stride, stride * bins);
      }
    };
    visit(0, 0, 1);
    return result;
  }

  toJson(): { name: string; min: number; max: number; seen: boolean }[] {
    return this.dimensions.map((dimension) => ({ name: dimension.name, min: dimension.min, max: dimension.max, seen: dimension.seen }));
  }
}

/** One island's elites: the best placement per cell. */
export class IslandGrid {
  private readonly cells = new Map<number, Placement>();
  private readonly owners = new Map<number, number>();
  private readonly space: FeatureSpace;
  private epoch: number;

  constructor(space: FeatureSpace) {
    this.space = space;
    this.epoch = space.epoch;
  }

  get size(): number {
    this.refresh();
    return this.cells.size;
  }

  /** Offers a placement; it becomes the cell's elite if the cell is empty or it scores higher. */
  offer(placement: Placement): boolean {
    this.refresh();
    return this.place(placement);
  }

  ownsCell(placement: Placement): boolean {
    this.refresh();
    return this.owners.has(placement.key);
  }

  /** Removes a placement that is going away; its cell becomes empty. */
  remove(placement: Placement): void {
    const cell = this.owners.get(placement.key);
    if (cell === undefined) return;
    this.owners.delete(placement.key);
    this.cells.delete(cell);
  }

  elite(cell: number): Placement | undefined {
    this.refresh();
    return this.cells.get(cell);
  }

  cellOf(placement: Placement): number {
    this.refresh();
    return this.owners.get(placement.key) ?? this.space.cellOf(placement.info.features);
  }

  elites(): Placement[] {
    this.refresh();
    return [...this.cells.values()];
  }

  private place(placement: Placement): boolean {
    const cell = this.space.cellOf(placement.info.features);
    const current = this.cells.get(cell);
    if (current !== undefined && !isBetter(placement, current)) return false;
    if (current !== undefined) this.owners.delete(current.key);
    this.cells.set(cell, placement);
    this.owners.set(placement.key, cell);
    return true;
  }

  /** After a range widened, re-bins the elites (O(cells)); collisions keep the better one. */
  private refresh(): void {
    if (this.epoch === this.space.epoch) return;
    this.epoch = this.space.epoch;
    const elites = [...this.cells.values()];
    this.cells.clear();
    this.owners.clear();
    for (const placement of elites) this.place(placement);
  }
}

function isBetter(candidate: Placement, current: Placement): boolean {
  if (candidate.info.score !== current.info.score) return candidate.info.score > current.info.score;
  // Equal scores: the shorter program wins the cell (simpler is better).
  return candidate.info.fingerprint.length < current.info.fingerprint.length;
}
