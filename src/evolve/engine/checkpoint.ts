import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.ts';
import type { Store } from '../../store/types.ts';

/**
 * The engine state saved with `Store.putState` so a resumed run continues where it was: the RNG,
 * operator and model-chooser states, insights, and per-island migration counters. Programs are
 * not part of it: they are rebuilt from the store's program records, which are the source of
 * truth, so a checkpoint that lags behind the records loses nothing evaluated.
 */
export const checkpointVersion = 1;

export interface EngineCheckpoint {
  version: typeof checkpointVersion;
  /** Attempts recorded when the checkpoint was written. */
  recorded: number;
  random: number[];
  operators: Record<string, JsonObject>;
  models: JsonObject | null;
  insights: string[];
  islandCounters: number[];
  /** Why the last attempt from a parent failed to apply, by parent id (fed into the next prompt). */
  applyFailures: [string, string][];
  /** Once-per-run notices already given (a resumed run does not repeat them); absent in older checkpoints. */
  notices?: string[];
  /** Hybrid tuning bursts still to run; absent in older checkpoints. */
  bursts?: { programId: string; island: number; remaining: number }[];
  savedAt: number;
}

export function checkpointScope(runId: string): string {
  return `evolve:${runId}`;
}

export async function saveCheckpoint(store: Store, runId: string, checkpoint: EngineCheckpoint): Promise<void> {
  await store.putState(checkpointScope(runId), 'checkpoint', checkpoint as unknown as JsonValue);
}

/** Reads a checkpoint; one written by an unknown version, or damaged, is ignored (state restarts). */
export async function loadCheckpoint(store: Store, runId: string): Promise<EngineCheckpoint | undefined> {
  const value = await store.getState(checkpointScope(runId), 'checkpoint');
  if (!isJsonObject(value) || value['version'] !== checkpointVersion) return undefined;
  if (!Array.isArray(value['random']) || value['random'].length !== 4) return undefined;
  return value as unknown as EngineCheckpoint;
}
