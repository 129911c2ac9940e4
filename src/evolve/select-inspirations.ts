import type { Random } from '../core/random.ts';
import type { ProgramDatabase } from './database/program-database.ts';
import type { Placement } from './database/program-entry.ts';
import { estimateSimilarity } from './database/text-fingerprint.ts';

/**
 * Inspirations shown next to the parent: the island's best, elites of neighbouring grid cells
 * (within two bins of the parent's cell), and diverse picks (the least similar of a few random
 * members). Cost is O(cells + count·log n), never a scan of the island.
 */
export interface InspirationSettings {
  count: number;
  /** Grid neighbourhood radius, in bins. */
  neighbourRadius: number;
  /** Random members looked at per diverse pick. */
  diverseSampleSize: number;
}

export const defaultInspirations: InspirationSettings = { count: 4, neighbourRadius: 2, diverseSampleSize: 8 };

export function selectInspirations(options: {
  database: ProgramDatabase;
  island: number;
  parentId: string;
  random: Random;
  settings: InspirationSettings;
}): string[] {
  const { database, random, settings, parentId } = options;
  const island = database.island(options.island);
  const chosen = new Set<string>();
  const result: string[] = [];
  const take = (placement: Placement | undefined): void => {
    if (placement === undefined || result.length >= settings.count) return;
    if (placement.info.id === parentId || chosen.has(placement.info.id)) return;
    chosen.add(placement.info.id);
    result.push(placement.info.id);
  };
  if (settings.count <= 0 || island.size === 0) return result;

  take(island.best());

  const parentPlacement = island.placementOf(parentId);
  const parentInfo = database.get(parentId);
  if (parentPlacement !== undefined) {
    const neighbours = database.space.neighbours(island.grid.cellOf(parentPlacement), settings.neighbourRadius);
    const elites = neighbours.map((cell) => island.grid.elite(cell)).filter((placement) => placement !== undefined);
    random.shuffle(elites);
    // Up to half the slots go to neighbours, leaving room for diverse picks.
    const neighbourSlots = Math.max(1, Math.ceil(settings.count / 2));
    for (const elite of elites) {
      if (result.length >= neighbourSlots) break;
      take(elite);
    }
  }

  let attempts = 0;
  while (result.length < settings.count && attempts < settings.count * 2) {
    attempts += 1;
    let pick: Placement | undefined;
    let lowest = Number.POSITIVE_INFINITY;
    for (let sample = 0; sample < settings.diverseSampleSize; sample += 1) {
      const candidate = island.memberAt(random.next())!;
      if (candidate.info.id === parentId || chosen.has(candidate.info.id)) continue;
      const similarity = parentInfo === undefined ? 0 : estimateSimilarity(candidate.info.fingerprint.signature, parentInfo.fingerprint.signature);
      if (similarity < lowest) {
        lowest = similarity;
        pick = candidate;
      }
    }
    take(pick);
  }
  return result;
}
