import { definedOnly } from '../../core/defined-only.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.ts';
import { Random } from '../../core/random.ts';
import type { ProgramRecord, Store } from '../../store/types.ts';
import type { ProgramDatabase } from '../database/program-database.ts';
import type { FailedProgramInfo } from '../database/program-entry.ts';
import type { NoveltyFilter } from '../novelty.ts';
import type { AttemptBase } from './attempt-record.ts';
import type { RejectedCandidate } from './engine-options.ts';
import type { PendingRepair, RepairQueue, RepairQueueState } from './repair-queue.ts';
import type { CandidateProposal } from '../types.ts';
import type { UnusableModelWatch } from './unusable-model-watch.ts';
import type { Operator } from '../types.ts';
import type { ModelChooser } from './collaborators.ts';
import type { TuningBursts } from './tuning-bursts.ts';
import type { ModelBandit } from '../model-bandit.ts';
import type { ProposalCascade, ProposalRoutes } from './proposal-routes.ts';

/**
 * The engine state saved with `Store.putState` so a resumed run continues where it was: the RNG,
 * operator and model-chooser states, insights, and per-island migration counters. Programs are
 * not part of it: they are rebuilt from the store's program records, which are the source of
 * truth, so a checkpoint that lags behind the records loses nothing evaluated.
 *
 * A seeded run writes one with every result it applies, before that result's record (which it
 * carries as `pendingRecord`), and with the candidates already proposed and not yet applied
 * (`window`). It is then the exact state after that result: a resumed run writes the pending record
 * if the store lacks it, reads exactly `recorded` records, evaluates the window's candidates again
 * and goes on, so it makes the same candidates as a run that was never stopped.
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
  /** The operator-mix bandit's state (settings.operatorMix adaptive); absent in older checkpoints. */
  operatorMix?: JsonObject;
  /** The novelty filter's per-island stagnation counts; absent in older checkpoints. */
  novelty?: JsonValue;
  /** Children waiting for their repair, and which of them no proposal has taken yet; absent in older checkpoints. */
  repairs?: RepairQueueState;
  /** Each island's recent failures (fix mode draws from them); absent in older checkpoints. */
  islandFailures?: FailedProgramInfo[][];
  /** Unusable-model calls in a row; absent in older checkpoints. */
  modelStreak?: number;
  /** The cascade's per-operator routes and totals (runs with a strong model to escalate to); absent in older checkpoints. */
  routes?: JsonObject;
  /** Seeded runs: the candidates proposed and not yet applied, in attempt order. Absent: not an exact resume point. */
  window?: SavedCandidate[];
  /** Seeded runs: the attempt number the next proposal takes. */
  nextIteration?: number;
  /** Seeded runs: the record of the result this checkpoint applied, written to the store after the checkpoint. */
  pendingRecord?: JsonObject;
  savedAt: number;
}

/** A candidate of a seeded run's window as the checkpoint keeps it (resume-window.ts saves and restores it). */
export interface SavedCandidate {
  iteration: number;
  base: AttemptBase;
  operator: string;
  repairOf: PendingRepair | null;
  /** The child to evaluate. */
  proposal?: CandidateProposal;
  /** Or the reason it is recorded without evaluation. */
  rejected?: Pick<RejectedCandidate, 'outcome' | 'failure' | 'applyFailure'>;
  /** Which model of the cascade made it; absent in older checkpoints and without a cascade. */
  cascade?: ProposalCascade;
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

/** The parts of a running engine a checkpoint is taken from and given back to. */
export interface CheckpointedParts {
  operators: readonly Operator[];
  chooser: ModelChooser | undefined;
  database: ProgramDatabase;
  applyFailures: Map<string, string>;
  notices: Set<string>;
  bursts: TuningBursts;
  operatorMix: ModelBandit | undefined;
  novelty: NoveltyFilter;
  repairs: RepairQueue;
  modelWatch: UnusableModelWatch;
  routes: ProposalRoutes | undefined;
}

/** A seeded run's resume point, beyond the parts: what it had proposed and the record it was writing. */
export interface ResumePoint {
  window: SavedCandidate[];
  nextIteration: number;
  pendingRecord: ProgramRecord | null;
}

/** The checkpoint of a running engine; `random` and `insights` are the engine's own, replaced on restore. */
export function captureCheckpoint(parts: CheckpointedParts, state: { recorded: number; random: Random; insights: string[]; savedAt: number }, resumePoint?: ResumePoint): EngineCheckpoint {
  const operators: Record<string, JsonObject> = {};
  for (const operator of parts.operators) {
    const saved = operator.saveState?.();
    if (saved !== undefined) operators[operator.name] = saved;
  }
  return {
    version: checkpointVersion,
    recorded: state.recorded,
    random: state.random.saveState(),
    operators,
    models: parts.chooser?.saveState?.() ?? null,
    insights: state.insights,
    islandCounters: parts.database.islands.map((island) => island.generationsSinceMigration),
    applyFailures: [...parts.applyFailures.entries()].slice(-100),
    notices: [...parts.notices],
    bursts: parts.bursts.saveState(),
    ...definedOnly({ operatorMix: parts.operatorMix?.saveState(), routes: parts.routes?.saveState() }),
    ...resumePointFields(parts, resumePoint),
    savedAt: state.savedAt,
  };
}

/**
 * The fields kept only at an exact resume point: a periodic checkpoint lags the records, which are
 * fresher on these.
 */
function resumePointFields(parts: CheckpointedParts, resumePoint: ResumePoint | undefined): Partial<EngineCheckpoint> {
  if (resumePoint === undefined) return {};
  return {
    novelty: parts.novelty.saveState(),
    repairs: parts.repairs.saveState(),
    islandFailures: parts.database.islands.map((island) => [...island.recentFailures()]),
    modelStreak: parts.modelWatch.saveState(),
    window: resumePoint.window,
    nextIteration: resumePoint.nextIteration,
    ...definedOnly({ pendingRecord: resumePoint.pendingRecord === null ? undefined : (resumePoint.pendingRecord as unknown as JsonObject) }),
  };
}

/** Gives a checkpoint back to the parts, and returns the random generator and insights it held. */
export function restoreCheckpoint(checkpoint: EngineCheckpoint, parts: CheckpointedParts): { random: Random; insights: string[] } {
  for (const operator of parts.operators) {
    const saved = checkpoint.operators[operator.name];
    if (saved !== undefined) operator.restoreState?.(saved);
  }
  if (checkpoint.models !== null) parts.chooser?.restoreState?.(checkpoint.models);
  checkpoint.islandCounters.forEach((count, index) => {
    if (index < parts.database.islands.length) parts.database.islands[index]!.generationsSinceMigration = count;
  });
  for (const [parentId, reason] of checkpoint.applyFailures) parts.applyFailures.set(parentId, reason);
  for (const notice of checkpoint.notices ?? []) parts.notices.add(notice);
  parts.bursts.restoreState(checkpoint.bursts);
  if (checkpoint.operatorMix !== undefined) parts.operatorMix?.restoreState(checkpoint.operatorMix);
  if (checkpoint.novelty !== undefined) parts.novelty.restoreState(checkpoint.novelty);
  if (checkpoint.repairs !== undefined) parts.repairs.restoreState(checkpoint.repairs);
  checkpoint.islandFailures?.forEach((failures, index) => parts.database.islands[index]?.restoreFailures(failures));
  if (checkpoint.modelStreak !== undefined) parts.modelWatch.restoreState(checkpoint.modelStreak);
  if (checkpoint.routes !== undefined) parts.routes?.restoreState(checkpoint.routes);
  return { random: Random.fromState(checkpoint.random), insights: [...checkpoint.insights] };
}
