import type { FailedProgramInfo } from '../database/program-entry.ts';

/**
 * Children whose evaluation failed in a repairable way, waiting for their one repair before they
 * are scored. A child is pending from the moment its failure is stored until its repair ends:
 * repaired (it never counts as a failure) or failed too (it counts as a failure of its own kind).
 * The store carries the same state for resume: a `repair-queued` event marks a pending child, and
 * the first `repair` child stored under it, or a `repair-finished` event, resolves it.
 */
export const repairOperatorName = 'repair';

/** Evaluation failures worth offering to the repair operator (the program ran and broke). */
export const repairableFailures: ReadonlySet<string> = new Set(['crash', 'exit-code', 'invalid-output', 'non-finite-score']);

export type PendingRepair = FailedProgramInfo;

/** What a checkpoint keeps of the queue: every pending child, oldest first, and the ids still waiting. */
export interface RepairQueueState {
  open: PendingRepair[];
  waiting: string[];
}

export class RepairQueue {
  /** Pending children not yet handed to a proposal, oldest first. */
  private readonly waiting: PendingRepair[] = [];
  /** Every pending child, waiting or being repaired, by id. */
  private readonly open = new Map<string, PendingRepair>();

  get size(): number {
    return this.open.size;
  }

  /** Whether a repair is waiting for a proposal slot (it goes ahead of new proposals). */
  get hasWaiting(): boolean {
    return this.waiting.length > 0;
  }

  defer(pending: PendingRepair): void {
    if (this.open.has(pending.id)) return;
    this.open.set(pending.id, pending);
    this.waiting.push(pending);
  }

  /** The oldest waiting child; it stays pending until `resolve`. */
  next(): PendingRepair | undefined {
    return this.waiting.shift();
  }

  isPending(id: string): boolean {
    return this.open.has(id);
  }

  /** Ends a child's pending state; undefined when it was not pending (already resolved). */
  resolve(id: string): PendingRepair | undefined {
    const pending = this.open.get(id);
    if (pending === undefined) return undefined;
    this.open.delete(id);
    const index = this.waiting.findIndex((item) => item.id === id);
    if (index >= 0) this.waiting.splice(index, 1);
    return pending;
  }

  saveState(): RepairQueueState {
    return { open: [...this.open.values()], waiting: this.waiting.map((pending) => pending.id) };
  }

  restoreState(state: RepairQueueState): void {
    this.open.clear();
    this.waiting.length = 0;
    for (const pending of state.open) this.open.set(pending.id, { ...pending });
    for (const id of state.waiting) {
      const pending = this.open.get(id);
      if (pending !== undefined) this.waiting.push(pending);
    }
  }

  /** Children still pending (the run ended first); the store keeps them pending for a resume. */
  leftovers(): PendingRepair[] {
    return [...this.open.values()];
  }
}
