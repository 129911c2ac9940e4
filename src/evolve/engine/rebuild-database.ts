import { isJsonObject } from '../../core/json.ts';
import type { ProgramRecord, Store } from '../../store/types.ts';
import type { MigrationMove, ProgramDatabase } from '../database/program-database.ts';
import { fingerprintText } from '../database/text-fingerprint.ts';
import type { ProgramLoader } from './program-loader.ts';

/**
 * Rebuilds the in-memory database of a run from its stored program records (in insertion
 * order) and replays its recorded migrations, so a resumed run sees what the killed one saw and
 * never evaluates a stored program again. Reads in pages; keeps no code.
 */
export interface RebuiltRun {
  /** Every stored record, the initial program included. */
  records: number;
  /** Child attempts (records other than the initial program). */
  attempts: number;
  evaluations: number;
  failures: Record<string, number>;
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  initial: { id: string; score: number | null } | null;
  best: { id: string; score: number } | null;
  /** Recent records, newest last, for insights. */
  recent: ProgramRecord[];
}

export const initialOperator = 'initial';
/** Failure kinds that end before the evaluator runs. */
export const preEvaluationFailures = new Set(['apply-failed', 'model-error', 'operator-error', 'novelty-rejected', 'not-applicable']);

export async function rebuildDatabase(options: {
  store: Store;
  runId: string;
  database: ProgramDatabase;
  loader: ProgramLoader;
  pageSize?: number;
  recentCount?: number;
  /** Told of every program that failed evaluation (the novelty filter remembers them). */
  onFailedEvaluation?: (record: ProgramRecord, text: string) => void;
}): Promise<RebuiltRun> {
  const { store, runId, database, loader } = options;
  const pageSize = options.pageSize ?? 500;
  const result: RebuiltRun = {
    records: 0,
    attempts: 0,
    evaluations: 0,
    failures: {},
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    initial: null,
    best: null,
    recent: [],
  };
  let after = -1;
  for (;;) {
    const page = await store.listPrograms(runId, { afterSequence: after, limit: pageSize });
    if (page.length === 0) break;
    for (const record of page) {
      after = Math.max(after, record.sequence ?? after + 1);
      addRecord(record, result, database, loader, options.onFailedEvaluation);
      result.recent.push(record);
      if (result.recent.length > (options.recentCount ?? 50)) result.recent.shift();
    }
    if (page.length < pageSize) break;
  }
  const moves: MigrationMove[] = [];
  let eventsAfter = -1;
  for (;;) {
    const events = await store.listEvents(runId, { afterSequence: eventsAfter, limit: pageSize });
    if (events.length === 0) break;
    for (const event of events) {
      eventsAfter = Math.max(eventsAfter, event.sequence);
      if (event.type !== 'islands-migrated') continue;
      const recorded = event.data['moves'];
      if (!Array.isArray(recorded)) continue;
      for (const move of recorded) {
        if (isJsonObject(move) && typeof move['programId'] === 'string' && typeof move['to'] === 'number' && typeof move['from'] === 'number') {
          moves.push({ programId: move['programId'], from: move['from'], to: move['to'] });
        }
      }
    }
    if (events.length < pageSize) break;
  }
  database.applyMigration(moves);
  return result;
}

function addRecord(
  record: ProgramRecord,
  result: RebuiltRun,
  database: ProgramDatabase,
  loader: ProgramLoader,
  onFailedEvaluation: ((record: ProgramRecord, text: string) => void) | undefined,
): void {
  result.records += 1;
  result.usage.inputTokens += record.tokensIn;
  result.usage.outputTokens += record.tokensOut;
  result.usage.costUsd += record.costUsd;
  const isInitial = record.operator === initialOperator && record.parentId === null;
  if (isInitial) result.initial = { id: record.id, score: record.score };
  else result.attempts += 1;
  if (record.parentId !== null) database.noteChild(record.parentId);
  if (record.failure !== null) result.failures[record.failure.kind] = (result.failures[record.failure.kind] ?? 0) + 1;
  if (record.failure === null || !preEvaluationFailures.has(record.failure.kind)) result.evaluations += 1;

  if (record.status === 'evaluated' && record.score !== null && Number.isFinite(record.score)) {
    const fingerprint = fingerprintText(loader.textOf(record.files));
    const complete = database.space.dimensions.every((dimension) => typeof record.features[dimension.name] === 'number');
    database.add({
      id: record.id,
      sequence: record.sequence ?? result.records,
      parentId: record.parentId,
      operator: record.operator,
      generation: record.generation,
      score: record.score,
      features: complete ? record.features : database.computeFeatures(fingerprint, record.metrics),
      fingerprint,
      island: record.island,
    });
    if (isInitial) for (const island of database.islands) database.addCopy(record.id, island.index);
    if (result.best === null || record.score > result.best.score) result.best = { id: record.id, score: record.score };
  } else if (record.status === 'failed' && record.failure !== null && !preEvaluationFailures.has(record.failure.kind)) {
    database.recordFailure({ id: record.id, island: record.island, generation: record.generation, failureKind: record.failure.kind, operator: record.operator });
    onFailedEvaluation?.(record, loader.textOf(record.files));
  }
}
