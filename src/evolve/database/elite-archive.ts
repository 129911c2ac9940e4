import type { ProgramInfo } from './program-entry.ts';

/**
 * The elite archive: the best `capacity` programs over all islands, best first, each once.
 * Small by design (about 100), so keeping it as a sorted array costs O(capacity) per insert,
 * independent of the population.
 */
export class EliteArchive {
  readonly capacity: number;
  private readonly members: ProgramInfo[] = [];
  private readonly ids = new Set<string>();

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  get size(): number {
    return this.members.length;
  }

  has(programId: string): boolean {
    return this.ids.has(programId);
  }

  /** Offers a program; returns the one pushed out, if any. */
  offer(program: ProgramInfo): ProgramInfo | undefined {
    if (this.ids.has(program.id)) return undefined;
    if (this.members.length >= this.capacity && !ranksAbove(program, this.members[this.members.length - 1]!)) return undefined;
    let index = this.members.length;
    while (index > 0 && ranksAbove(program, this.members[index - 1]!)) index -= 1;
    this.members.splice(index, 0, program);
    this.ids.add(program.id);
    if (this.members.length <= this.capacity) return undefined;
    const dropped = this.members.pop()!;
    this.ids.delete(dropped.id);
    return dropped;
  }

  remove(programId: string): void {
    if (!this.ids.delete(programId)) return;
    const index = this.members.findIndex((member) => member.id === programId);
    if (index >= 0) this.members.splice(index, 1);
  }

  at(index: number): ProgramInfo | undefined {
    return this.members[index];
  }

  list(): readonly ProgramInfo[] {
    return this.members;
  }
}

/** Higher score first; on a tie the older program (lower sequence) keeps its rank. */
function ranksAbove(candidate: ProgramInfo, other: ProgramInfo): boolean {
  if (candidate.score !== other.score) return candidate.score > other.score;
  return candidate.sequence < other.sequence;
}
