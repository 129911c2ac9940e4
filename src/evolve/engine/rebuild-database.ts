import { preEvaluationFailures } from './failure-kinds.ts';
import { OperatorYieldTally } from './operator-yield.ts';
import type { ProgramRecord, ProgramSummary, Store } from '../../store/types.ts';
import type { ProgramDatabase } from '../database/program-database.ts';
import { decodeFingerprint, fingerprintText, type TextFingerprint } from '../database/text-fingerprint.ts';
import type { ProgramOutcome } from './collaborators.ts';
import { outcomeOf } from './insights-schedule.ts';
import type { ProgramLoader } from './program-loader.ts';
import { repairOperatorName, type PendingRepair } from './repair-queue.ts';

/**
 * Rebuilds the in-memory database of a run from its stored program summaries (in insertion
 * order), migrating islands at the same points the live run did (after each record, by the same
 * rule), so a resumed run sees what the killed one saw and never evaluates a stored program again. Reads summaries in pages, never the code: each record
 * carries the fingerprint computed when it was written. Only records written without one (by an
 * older release) have their code read, a page at a time. A child marked pending repair (a
 * `repair-queued` event) counts as a failure only once its repair failed: it is resolved by a
 * `repair-finished` event or, when the run was killed before that was written, by the first repair
 * child stored under it; one with neither is still pending.
 */
export interface RebuiltRun {
  /** Every stored record, the initial program included. */
  records: number;
  /** Child attempts (records other than the initial program). */
  attempts: number;
  evaluations: number;
  /** Failures and rejections by kind (RunProgress splits them). */
  failures: Record<string, number>;
  /** The latest message stored for each failure or rejection kind. */
  latestMessages: Record<string, string>;
  /** Failed children whose repair succeeded (not counted in `failures`). */
  repaired: number;
  /** Children still waiting for their repair, oldest first (not counted in `failures`). */
  pendingRepairs: PendingRepair[];
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  initial: { id: string; score: number | null } | null;
  best: { id: string; score: number } | null;
  /** Recent records, newest last, for insights. */
  recent: ProgramRecord[];
  /** The outcomes the live run kept for insights: the recent records with their parents' scores. */
  recentOutcomes: ProgramOutcome[];
  /** Per-operator yield of the stored attempts. */
  operatorYield: OperatorYieldTally;
}

export const initialOperator = 'initial';
export { preEvaluationFailures };

export async function rebuildDatabase(options: {
  store: Store;
  runId: string;
  database: ProgramDatabase;
  loader: ProgramLoader;
  pageSize?: number;
  recentCount?: number;
  /** Told of every program that failed evaluation (the novelty filter remembers them). */
  onFailedEvaluation?: (programId: string, contentHash: number) => void;
  /** Read only the run's first `records` records (a seeded run's checkpoint says how many it applied). */
  records?: number | undefined;
  /** Children the checkpoint holds pending repair: a later `repair-finished` event does not resolve them. */
  openRepairs?: ReadonlySet<string> | undefined;
}): Promise<RebuiltRun> {
  const { store, runId, database, loader } = options;
  const pageSize = options.pageSize ?? 2000;
  const recentCount = options.recentCount ?? 50;
  const result: RebuiltRun = {
    records: 0,
    attempts: 0,
    evaluations: 0,
    failures: {},
    latestMessages: {},
    repaired: 0,
    pendingRepairs: [],
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    initial: null,
    best: null,
    recent: [],
    recentOutcomes: [],
    operatorYield: new OperatorYieldTally(),
  };
  const repairs: RepairMarks = { queued: new Set(), finished: new Map(), open: new Map() };
  let eventsAfter = -1;
  for (;;) {
    const events = await store.listEvents(runId, { afterSequence: eventsAfter, limit: pageSize });
    if (events.length === 0) break;
    for (const event of events) {
      eventsAfter = Math.max(eventsAfter, event.sequence);
      const programId = event.data['programId'];
      if (event.type === 'repair-queued' && typeof programId === 'string') repairs.queued.add(programId);
      if (event.type === 'repair-finished' && typeof programId === 'string' && options.openRepairs?.has(programId) !== true) {
        repairs.finished.set(programId, event.data['repaired'] === true);
      }
    }
    if (events.length < pageSize) break;
  }
  let after = 0;
  // Scores by id, so each attempt's yield can tell whether it beat its parent; dropped afterwards.
  const scores = new Map<string, number>();
  // The last few records (store sequence, parent score as the live run saw it), for insights.
  const recent: Array<{ sequence: number; parentScore: number | null }> = [];
  const limit = options.records ?? Number.POSITIVE_INFINITY;
  while (result.records < limit) {
    const page = await store.listProgramSummaries(runId, { afterSequence: after, limit: Math.min(pageSize, limit - result.records) });
    if (page.length === 0) break;
    const fingerprints = await pageFingerprints(store, runId, after, page, loader);
    for (const summary of page) {
      after = Math.max(after, summary.sequence ?? after + 1);
      addSummary(summary, fingerprints.get(summary.id), result, database, repairs, options.onFailedEvaluation, scores);
      // The live run checks every island for migration after each record it stores.
      for (const island of database.islandsDueForMigration()) database.migrateFrom(island);
      recent.push({ sequence: after, parentScore: liveParentScore(summary, scores) });
      if (recent.length > recentCount) recent.shift();
    }
    if (page.length < pageSize) break;
  }
  result.pendingRepairs = [...repairs.open.values()];
  // Insights read the diffs of the last few attempts: only those are read in full.
  if (recent.length > 0) {
    result.recent = await store.listPrograms(runId, { afterSequence: recent[0]!.sequence - 1, limit: recent.length });
    result.recentOutcomes = result.recent.map((record, index) => outcomeOf(record, recent[index]?.parentScore ?? null));
  }
  return result;
}

/** The parent score the live run kept with an outcome: its parent's, for an attempt that was evaluated. */
function liveParentScore(summary: ProgramSummary, scores: ReadonlyMap<string, number>): number | null {
  if (summary.parentId === null || (summary.failure !== null && preEvaluationFailures.has(summary.failure.kind))) return null;
  return scores.get(summary.parentId) ?? null;
}

/** Fingerprints of a page's programs that need one: decoded from the summary, or (for old records) hashed from the code. */
async function pageFingerprints(
  store: Store,
  runId: string,
  after: number,
  page: readonly ProgramSummary[],
  loader: ProgramLoader,
): Promise<Map<string, TextFingerprint>> {
  const fingerprints = new Map<string, TextFingerprint>();
  let missing = false;
  for (const summary of page) {
    if (!needsFingerprint(summary)) continue;
    const decoded = decodeFingerprint(summary.fingerprint);
    if (decoded === undefined) missing = true;
    else fingerprints.set(summary.id, decoded);
  }
  if (!missing) return fingerprints;
  for (const record of await store.listPrograms(runId, { afterSequence: after, limit: page.length })) {
    if (needsFingerprint(record) && !fingerprints.has(record.id)) fingerprints.set(record.id, fingerprintText(loader.textOf(record.files)));
  }
  return fingerprints;
}

function isEvaluated(summary: ProgramSummary): boolean {
  return summary.status === 'evaluated' && summary.score !== null && Number.isFinite(summary.score);
}

function failedInEvaluation(summary: ProgramSummary): boolean {
  return summary.status === 'failed' && summary.failure !== null && !preEvaluationFailures.has(summary.failure.kind);
}

function needsFingerprint(summary: ProgramSummary): boolean {
  return isEvaluated(summary) || failedInEvaluation(summary);
}

interface RepairMarks {
  queued: Set<string>;
  /** Resolved children: whether the repair succeeded. */
  finished: Map<string, boolean>;
  /** Marked children seen so far and not yet resolved. */
  open: Map<string, PendingRepair>;
}

function addSummary(
  summary: ProgramSummary,
  fingerprint: TextFingerprint | undefined,
  result: RebuiltRun,
  database: ProgramDatabase,
  repairs: RepairMarks,
  onFailedEvaluation: ((programId: string, contentHash: number) => void) | undefined,
  scores: Map<string, number>,
): void {
  result.records += 1;
  result.usage.inputTokens += summary.tokensIn;
  result.usage.outputTokens += summary.tokensOut;
  result.usage.costUsd += summary.costUsd;
  const isInitial = summary.operator === initialOperator && summary.parentId === null;
  if (isInitial) result.initial = { id: summary.id, score: summary.score };
  else result.attempts += 1;
  if (summary.parentId !== null) database.noteChild(summary.parentId);
  // A repair child stored before its `repair-finished` event decides its parent's fate.
  const repairedParent = summary.operator === repairOperatorName && summary.parentId !== null ? repairs.open.get(summary.parentId) : undefined;
  if (repairedParent !== undefined) {
    repairs.open.delete(repairedParent.id);
    resolveRepair(repairedParent, isEvaluated(summary), result, database);
  }
  const failed = failedInEvaluation(summary);
  const marked = failed && repairs.queued.has(summary.id);
  if (summary.failure !== null && !marked) result.failures[summary.failure.kind] = (result.failures[summary.failure.kind] ?? 0) + 1;
  if (summary.failure !== null) result.latestMessages[summary.failure.kind] = summary.failure.message;
  if (summary.failure === null || !preEvaluationFailures.has(summary.failure.kind)) result.evaluations += 1;
  if (summary.score !== null) scores.set(summary.id, summary.score);
  if (!isInitial) {
    const parentScore = summary.parentId === null ? null : (scores.get(summary.parentId) ?? null);
    result.operatorYield.record(
      summary.operator,
      summary.failure === null ? { failureKind: null, score: summary.score, parentScore } : { failureKind: summary.failure.kind, deferred: marked },
    );
  }
  if (marked) recordMarked(summary, result, database, repairs);
  else if (failed) database.recordFailure({ id: summary.id, island: summary.island, generation: summary.generation, failureKind: summary.failure!.kind, operator: summary.operator });
  if (fingerprint === undefined) return;

  if (isEvaluated(summary)) {
    const score = summary.score!;
    const complete = database.space.dimensions.every((dimension) => typeof summary.features[dimension.name] === 'number');
    database.add({
      id: summary.id,
      // The run's own ordinal, as the live run gives it (the store's sequence is not known before the write).
      sequence: result.records,
      parentId: summary.parentId,
      operator: summary.operator,
      generation: summary.generation,
      score,
      features: complete ? summary.features : database.computeFeatures(fingerprint, summary.metrics),
      fingerprint,
      island: summary.island,
      metrics: summary.metrics,
    });
    if (isInitial) for (const island of database.islands) database.addCopy(summary.id, island.index);
    if (result.best === null || score > result.best.score) result.best = { id: summary.id, score };
  } else if (failed) {
    onFailedEvaluation?.(summary.id, fingerprint.contentHash);
  }
}

function recordMarked(summary: ProgramSummary, result: RebuiltRun, database: ProgramDatabase, repairs: RepairMarks): void {
  const info: PendingRepair = { id: summary.id, island: summary.island, generation: summary.generation, failureKind: summary.failure!.kind, operator: summary.operator };
  const repaired = repairs.finished.get(summary.id);
  if (repaired === undefined) repairs.open.set(summary.id, info);
  else resolveRepair(info, repaired, result, database);
}

function resolveRepair(pending: PendingRepair, repaired: boolean, result: RebuiltRun, database: ProgramDatabase): void {
  if (repaired) {
    result.repaired += 1;
    return;
  }
  result.failures[pending.failureKind] = (result.failures[pending.failureKind] ?? 0) + 1;
  result.operatorYield.countFailure(pending.operator, pending.failureKind);
  database.recordFailure(pending);
}
