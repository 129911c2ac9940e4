import { normalizeCode } from './database/normalize-code.ts';

/**
 * What a child changed relative to its parent, as normalised lines: the lines it added and the
 * lines it removed (as multisets, so a line moved within the block is no change). Comparing this
 * region, instead of the whole file, is what lets a one-literal edit count as new: against the
 * whole file it is 98% the same as its parent and every sibling.
 */
export interface ChangedRegion {
  added: string[];
  removed: string[];
}

export function changedRegion(parentText: string, childText: string): ChangedRegion {
  const parentLines = countLines(parentText);
  const childLines = countLines(childText);
  return { added: surplus(childLines, parentLines), removed: surplus(parentLines, childLines) };
}

/**
 * The share of the child's change that `otherText` already holds: each added line it contains and
 * each removed line it lacks counts. 1 means another program already made exactly this change.
 */
export function regionSimilarity(region: ChangedRegion, childText: string, otherText: string): number {
  const total = region.added.length + region.removed.length;
  if (total === 0) return normalizeCode(childText) === normalizeCode(otherText) ? 1 : 0;
  const otherLines = countLines(otherText);
  const remaining = new Map(otherLines);
  let matched = 0;
  for (const line of region.added) {
    const count = remaining.get(line) ?? 0;
    if (count > 0) {
      matched += 1;
      remaining.set(line, count - 1);
    }
  }
  const childLines = countLines(childText);
  for (const line of region.removed) if ((otherLines.get(line) ?? 0) <= (childLines.get(line) ?? 0)) matched += 1;
  return matched / total;
}

function countLines(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of normalizeCode(text).split('\n')) {
    const key = line.trim();
    if (key !== '') counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function surplus(from: Map<string, number>, minus: Map<string, number>): string[] {
  const lines: string[] = [];
  for (const [line, count] of from) for (let extra = count - (minus.get(line) ?? 0); extra > 0; extra -= 1) lines.push(line);
  return lines;
}
