import type { ProgramRecord } from '../../store/types.ts';
import { encodeFingerprint, type TextFingerprint } from '../database/text-fingerprint.ts';
import type { EvaluationResult, CandidateProposal } from '../types.ts';
import { attemptRecord, type AttemptBase } from './attempt-record.ts';
import type { EngineContext } from './engine-context.ts';
import type { EvaluationCandidate, RejectedCandidate } from './engine-options.ts';
import type { EvolveEvent } from './events.ts';
import { outcomeOf } from './insights-schedule.ts';
import { repairableFailures, repairOperatorName, type PendingRepair } from './repair-queue.ts';
import { spentBudgetStop } from './run-limits.ts';

/**
 * The application phase of one attempt: its record is built, the database, the operators, the
 * model chooser, the repair queue and the counters learn from it, and its events go out. An
 * unseeded run stores the record first; a seeded run stores it after the checkpoint that holds it
 * (the engine does both), so the store never holds a record that its checkpoint has not applied.
 * Nothing here draws from the random stream: applying in attempt order is enough for a seeded run
 * to replay.
 */
export interface EvaluatedAttempt {
  base: AttemptBase;
  /** Null for the initial program. */
  candidate: EvaluationCandidate | null;
  files: Record<string, string>;
  fingerprint: TextFingerprint;
  result: EvaluationResult;
  evaluateMs: number;
  /** The wait for an evaluation slot after the proposal (0 for the initial program). */
  queuedMs: number;
}

/** Stores the record at once (unseeded), or leaves it to the engine's checkpointed write (seeded). */
async function stored(context: EngineContext, record: ProgramRecord): Promise<ProgramRecord> {
  if (context.ordered) return record;
  const written = await context.options.store.putProgram(record);
  context.loader.remember(written);
  return written;
}

export async function recordEvaluation(context: EngineContext, attempt: EvaluatedAttempt): Promise<ProgramRecord> {
  const { base, candidate, result, fingerprint } = attempt;
  const { database, progress } = context;
  const proposal: CandidateProposal | null = candidate?.proposal ?? null;
  const ok = result.ok && result.score !== null && Number.isFinite(result.score);
  const features = ok ? database.computeFeatures(fingerprint, result.metrics) : {};
  const failure = ok ? null : (result.failure ?? { kind: 'non-finite-score', message: 'the evaluation gave no finite score' });
  const { runId } = context.options;
  const iteration = candidate?.iteration ?? 0;
  // A child that broke is scored only after its repair; a repair's own failure is final.
  const deferred = failure !== null && candidate !== null && context.canRepair && candidate.operator.name !== repairOperatorName && repairableFailures.has(failure.kind);
  if (deferred) {
    // Stored before the child, so a resumed run never mistakes a pending child for a final failure.
    context.emit({ type: 'repair-queued', runId, iteration, programId: base.id, failure });
    await context.log.settled();
  }
  const record = await stored(
    context,
    attemptRecord(base, {
      status: ok ? 'evaluated' : 'failed',
      files: attempt.files,
      proposal,
      score: ok ? result.score : null,
      metrics: result.metrics,
      features,
      artifacts: result.artifacts,
      failure,
      evaluateMs: attempt.evaluateMs || result.durationMs,
      queuedMs: attempt.queuedMs,
      fingerprint: encodeFingerprint(fingerprint),
    }),
  );
  const previousBest = database.best();
  if (ok) {
    // The run's own ordinal, not the store's sequence: known before the record is written, and the same on rebuild.
    const sequence = progress.records + 1;
    database.add({ id: record.id, sequence, parentId: record.parentId, operator: record.operator, generation: record.generation, score: result.score!, features, fingerprint, island: record.island, metrics: result.metrics });
    if (candidate === null) for (const island of database.islands) database.addCopy(record.id, island.index);
  } else {
    const info = { id: record.id, island: record.island, generation: record.generation, failureKind: failure!.kind, operator: record.operator };
    if (deferred) context.repairs.defer(info);
    else database.recordFailure(info);
    context.novelty.rememberFailure(fingerprint.contentHash, record.id);
  }
  progress.recordAttempt(record, { evaluated: true, initial: candidate === null, deferFailure: deferred, parentScore: candidate?.parent.score ?? null });
  if (candidate?.repairOf) finishRepair(context, candidate.repairOf, record.id, ok, iteration);
  if (candidate?.cascade !== undefined) context.routes?.observe(candidate.operator.name, candidate.cascade, !ok);
  if (candidate !== null) {
    candidate.operator.observe?.({ parent: candidate.parent, proposal: candidate.proposal, result });
    context.operatorMix?.update(candidate.operator.name, { parentScore: candidate.parent.score, childScore: record.score, costUsd: record.costUsd });
    if (proposal?.model) {
      context.options.chooser?.observe({ model: proposal.model, parentScore: candidate.parent.score, childScore: record.score, costUsd: record.costUsd });
    }
  }
  context.emit({
    type: 'candidate-evaluated',
    runId,
    iteration,
    programId: record.id,
    parentId: record.parentId,
    island: record.island,
    operator: record.operator,
    ok,
    score: record.score,
    failure,
    durationMs: record.timing.evaluateMs,
    totals: context.totals(),
  });
  const best = database.best();
  if (ok && best !== undefined && best.id === record.id && best !== previousBest) {
    progress.best = { id: best.id, score: best.score };
    context.emit({ type: 'best-improved', runId, iteration, programId: best.id, score: best.score, previousScore: previousBest?.score ?? null });
  }
  if (ok && candidate !== null && context.tuner !== undefined) {
    const isIslandBest = database.island(record.island).best()?.info.id === record.id;
    context.bursts.onEvaluated({ id: record.id, island: record.island, operator: record.operator, isIslandBest }, progress.operatorYield.toJSON());
  }
  afterRecord(context, record, candidate?.parent.score ?? null, iteration);
  return record;
}

export async function recordRejection(context: EngineContext, candidate: RejectedCandidate): Promise<ProgramRecord> {
  const { base, iteration, failure } = candidate;
  const record = await stored(context, attemptRecord(base, { ...candidate.outcome, score: null, failure, evaluateMs: 0 }));
  if (candidate.applyFailure !== null) {
    context.applyFailures.set(candidate.parent.id, candidate.applyFailure);
    // Only recent reasons matter; a parent not picked again soon need not carry one forever.
    if (context.applyFailures.size > 1000) context.applyFailures.delete(context.applyFailures.keys().next().value!);
  }
  context.progress.recordAttempt(record, { evaluated: false, initial: false });
  if (candidate.cascade !== undefined) context.routes?.observe(candidate.operator.name, candidate.cascade, false);
  context.operatorMix?.update(record.operator, { parentScore: null, childScore: null, costUsd: record.costUsd });
  if (candidate.repairOf !== null) finishRepair(context, candidate.repairOf, record.id, false, iteration);
  const kind = failure.kind === 'novelty-rejected' || failure.kind === 'apply-failed' || failure.kind === 'not-applicable' ? failure.kind : 'model-error';
  context.emit({
    type: 'candidate-rejected',
    runId: context.options.runId,
    iteration,
    programId: record.id,
    parentId: base.parentId!,
    island: base.island,
    operator: base.operator,
    kind,
    message: failure.message,
    totals: context.totals(),
  });
  afterRecord(context, record, null, iteration);
  return record;
}

/** Scores a pending child once its repair ended: repaired, or a failure of its own kind. */
export function finishRepair(context: EngineContext, pending: PendingRepair, repairId: string | null, repaired: boolean, iteration: number): void {
  if (context.repairs.resolve(pending.id) === undefined) return;
  if (repaired) context.progress.repaired += 1;
  else {
    context.progress.countFailure(pending.failureKind, pending.operator);
    context.database.recordFailure(pending);
  }
  context.emit({ type: 'repair-finished', runId: context.options.runId, iteration, programId: pending.id, repairId, repaired });
}

/** Bookkeeping after any recorded attempt: recent outcomes, migration, insights, budgets. */
function afterRecord(context: EngineContext, record: ProgramRecord, parentScore: number | null, iteration: number): void {
  const { database, options } = context;
  context.recentOutcomes.push(outcomeOf(record, parentScore));
  if (context.recentOutcomes.length > 50) context.recentOutcomes.shift();
  for (const island of database.islandsDueForMigration()) {
    const moves = database.migrateFrom(island);
    if (moves.length === 0) continue;
    const event: EvolveEvent = { type: 'islands-migrated', runId: options.runId, iteration, from: island, to: moves[0]!.to, programIds: moves.map((move) => move.programId) };
    context.emit(event, { moves: moves.map((move) => ({ ...move })) });
  }
  const { runId, meter, chooser } = options;
  context.insightsSchedule.maybeRefresh(
    context.progress.attempts,
    { outcomes: [...context.recentOutcomes], current: context.insights, model: chooser?.models[0], meter, signal: context.abort.signal },
    {
      refreshed: (insights) => {
        context.insights = insights;
        context.emit({ type: 'insights-refreshed', runId, iteration, insights });
      },
      failed: (message) => context.emit({ type: 'notice', runId, level: 'warning', message }),
    },
  );
  const spent = spentBudgetStop(meter);
  if (spent !== undefined) context.requestStop(spent.reason, spent.message);
}
