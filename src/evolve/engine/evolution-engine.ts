import { systemClock, type Clock } from '../../core/clock.ts';
import { ConfigError, toLamarckError } from '../../core/errors.ts';
import { createId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import { Random } from '../../core/random.ts';
import type { ProgramRecord } from '../../store/types.ts';
import { ProgramDatabase } from '../database/program-database.ts';
import { encodeFingerprint, fingerprintText, type TextFingerprint } from '../database/text-fingerprint.ts';
import { NoveltyFilter } from '../novelty.ts';
import { selectInspirations } from '../select-inspirations.ts';
import { selectParent, type ParentChoice } from '../select-parent.ts';
import type { EvaluationResult, Operator, CandidateProposal } from '../types.ts';
import { attemptRecord, classifyProposalError, spentProposal, type AttemptBase } from './attempt-record.ts';
import { captureCheckpoint, loadCheckpoint, restoreCheckpoint, saveCheckpoint, type CheckpointedParts } from './checkpoint.ts';
import { TuningBursts } from './tuning-bursts.ts';
import type { ProgramOutcome } from './collaborators.ts';
import { EngineEventLog } from './event-log.ts';
import type { EvolveEvent, EvolveSummary, RunTotals, EvolveStopReason } from './events.ts';
import { OrderedScheduler } from './ordered-scheduler.ts';
import { PipelineScheduler } from './pipeline-scheduler.ts';
import { ProgramLoader, toSnapshot } from './program-loader.ts';
import { initialFailureMessage } from './initial-failure.ts';
import { initialOperator, preEvaluationFailures, rebuildDatabase } from './rebuild-database.ts';
import { repairableFailures, repairOperatorName, RepairQueue, type PendingRepair } from './repair-queue.ts';
import { InsightsSchedule, outcomeOf } from './insights-schedule.ts';
import { chooseOperator, createOperatorMix, needsSecondParent, operatorWeight, secondParentCandidates } from './operator-choice.ts';
import type { ModelBandit } from '../model-bandit.ts';
import type { Candidate, EngineOptions } from './engine-options.ts';
import { iterationLimitStop, spentBudgetStop, summaryStatus } from './run-limits.ts';
import { RunProgress } from './run-progress.ts';
import { UnusableModelWatch } from './unusable-model-watch.ts';
import { assertInitialProgramFits, programSizeProblem } from './program-size.ts';

/**
 * The evolution loop. Each attempt is a proposal (select parent and inspirations, choose operator
 * and model, propose, novelty check) then an evaluation, run by the PipelineScheduler with many in
 * flight. Every attempt is written to the store as soon as it ends; the engine state is checkpointed
 * periodically, and a resumed run rebuilds its database from the stored records. A child that
 * fails in a repairable way is repaired, ahead of new proposals, before it is scored as a failure.
 */
export type { EngineOptions } from './engine-options.ts';

/** What an evaluation slot hands back for a candidate. */
interface Evaluated {
  result: EvaluationResult;
  /** From the end of the proposal to the start of the evaluation: the wait for a slot. */
  queuedMs: number;
  evaluateMs: number;
}

export class EvolutionEngine {
  private readonly options: EngineOptions;
  private readonly clock: Clock;
  private readonly database: ProgramDatabase;
  private readonly loader: ProgramLoader;
  private readonly novelty: NoveltyFilter;
  private readonly bursts = new TuningBursts();
  /** Adapts the operator mix to each operator's improving calls (settings.operatorMix). */
  private operatorMix: ModelBandit | undefined;
  /** The model-free tuner, when eligible: hybrid bursts polish model children with it. */
  private tuner: Operator | undefined;
  private readonly progress: RunProgress;
  private readonly abort = new AbortController();
  private random: Random;
  /** Seeded: proposals one at a time and results applied in attempt order (OrderedScheduler). */
  private readonly ordered: boolean;
  private readonly canRepair: boolean;
  private readonly eligibleOperators: Operator[];
  private readonly pendingHashes = new Set<number>();
  private readonly repairs = new RepairQueue();
  /** Children a resumed run found still waiting for their repair. */
  private resumedRepairs: PendingRepair[] = [];
  private readonly applyFailures = new Map<string, string>();
  private readonly recentOutcomes: ProgramOutcome[] = [];
  /** Keys of once-per-run notices already given, kept in the checkpoint. */
  private readonly noticesGiven = new Set<string>();
  private insights: string[] = [];
  private stopReason: EvolveStopReason | null = null;
  private stopMessage: string | null = null;
  private startedAt = 0;
  private readonly log: EngineEventLog;
  private readonly insightsSchedule: InsightsSchedule;
  private lastCheckpointAt = 0;
  private readonly modelWatch: UnusableModelWatch;

  constructor(options: EngineOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.random = new Random(options.seed ?? Date.now());
    this.database = new ProgramDatabase(options.settings.database);
    this.loader = new ProgramLoader({ store: options.store, evolvableFiles: options.problem.evolvableFiles });
    this.novelty = new NoveltyFilter({
      database: this.database,
      loadText: (id) => this.loader.text(id),
      settings: options.settings.novelty,
      ...(options.embeddings ? { embeddings: options.embeddings } : {}),
      ...(options.settings.novelty.judge && options.chooser ? { judge: options.chooser.models[0]! } : {}),
      meter: options.meter,
    });
    this.progress = new RunProgress(options.runId, options.problem.name);
    this.insightsSchedule = new InsightsSchedule(options.insights, options.settings.insightsEvery);
    this.log = new EngineEventLog({ channel: options.channel, store: options.store, runId: options.runId, onError: (error) => this.fail(error) });
    this.modelWatch = new UnusableModelWatch(options.settings.unusableModelCalls);
    this.ordered = options.seed !== null;
    const hasModel = options.chooser !== undefined && options.chooser.models.length > 0;
    this.eligibleOperators = options.operators.filter((operator) => hasModel || !operator.needsModel);
    // Bursts need a model (their children) and a tuner that may run (a zero weight turns it off).
    if (options.settings.operatorMix === 'adaptive') this.operatorMix = createOperatorMix(this.eligibleOperators, options.settings.operatorWeights);
    this.tuner = hasModel ? this.eligibleOperators.find((operator) => operator.name === 'numeric-tune' && this.weightOf(operator) > 0) : undefined;
    this.canRepair = options.settings.repair && hasModel && this.eligibleOperators.some((operator) => operator.name === repairOperatorName);
    assertInitialProgramFits(options.problem.files, options.settings.maxProgramChars);
    if (this.eligibleOperators.every((operator) => operator.name === repairOperatorName || this.weightOf(operator) <= 0)) {
      throw new ConfigError('settings.operators', 'no operator can run: configure a model or give a model-free operator (numeric-tune) a weight');
    }
  }

  /** Asks the loop to stop: nothing new starts, in-flight work is abandoned (it is redone on resume). */
  stop(message = 'stopped on request'): void {
    this.requestStop('stopped', message);
    this.abort.abort(new Error('stopped'));
  }

  async run(): Promise<EvolveSummary> {
    this.startedAt = this.clock.now();
    const { runId, problem } = this.options;
    if (this.options.resume) await this.resume();
    const models = this.options.chooser?.models.map((model) => model.spec) ?? [];
    this.emit({
      type: 'run-started',
      runId,
      problem: problem.name,
      resumed: this.options.resume,
      iteration: this.progress.attempts,
      models,
      operators: this.eligibleOperators.map((operator) => operator.name),
      seed: this.options.seed,
    });
    if (models.length === 0 && !this.noticesGiven.has('model-free')) {
      const names = this.eligibleOperators.map((operator) => operator.name).join(', ');
      this.emit({ type: 'notice', runId, level: 'info', message: `no model configured: running model-free operators only (${names})` });
      this.noticesGiven.add('model-free');
      // Saved at once: a run killed before its first periodic checkpoint must not repeat it either.
      this.enqueueWrite(() => this.writeCheckpoint());
    }
    this.settleResumedRepairs();
    try {
      if (this.progress.initialScore === null && this.progress.records === 0) await this.evaluateInitial();
      if (this.database.size === 0 && !this.canRepair) {
        this.requestStop('no-candidates', await initialFailureMessage(this.options.store, runId));
      }
      await this.schedule();
      await this.insightsSchedule.settled();
    } catch (error) {
      this.requestStop('error', toLamarckError(error).message);
      this.abort.abort(error);
    }
    await this.writeCheckpoint().catch(() => undefined);
    await this.log.settled();
    const summary = this.summary();
    this.emit({ type: 'run-finished', runId, summary });
    await this.log.settled();
    return summary;
  }

  private async schedule(): Promise<void> {
    const { concurrency } = this.options.settings;
    if (this.ordered) {
      await new OrderedScheduler<Candidate, Evaluated>({
        evaluations: concurrency.evaluations,
        window: concurrency.window,
        startAfter: this.progress.attempts,
        mayStart: (iteration, idle) => this.mayStart(iteration, idle),
        propose: (iteration) => this.propose(iteration),
        evaluate: (candidate) => this.runCandidate(candidate),
        apply: (candidate, evaluated) => this.applyCandidate(candidate, evaluated),
        settled: (candidate) => this.pendingHashes.delete(candidate.fingerprint.contentHash),
        aborted: () => this.abort.signal.aborted,
        onError: (error) => this.fail(error),
        now: () => this.clock.now(),
      }).run();
      return;
    }
    await new PipelineScheduler<Candidate>({
      ...concurrency,
      serial: false,
        startAfter: this.progress.attempts,
        mayStart: (iteration, idle) => this.mayStart(iteration, idle),
        propose: (iteration) => this.propose(iteration),
        evaluate: (candidate) => this.evaluate(candidate),
        urgent: () => this.canRepair && this.repairs.hasWaiting,
        priority: (candidate) => candidate.repairOf !== null,
        aborted: () => this.abort.signal.aborted,
        onError: (error) => this.fail(error),
      }).run();
  }

  private async resume(): Promise<void> {
    const { store, runId } = this.options;
    const rebuilt = await rebuildDatabase({
      store,
      runId,
      database: this.database,
      loader: this.loader,
      onFailedEvaluation: (programId, contentHash) => this.novelty.rememberFailure(contentHash, programId),
    });
    this.progress.restore(rebuilt);
    this.resumedRepairs = rebuilt.pendingRepairs;
    this.recentOutcomes.push(...rebuilt.recent.map((record) => outcomeOf(record, null)));
    const checkpoint = await loadCheckpoint(store, runId);
    if (checkpoint !== undefined) ({ random: this.random, insights: this.insights } = restoreCheckpoint(checkpoint, this.checkpointedParts()));
    // Spending before the crash still counts against the run's budget.
    const usage = rebuilt.usage;
    if (usage.costUsd > 0 || usage.inputTokens + usage.outputTokens > 0) {
      this.options.meter.record('resumed-run', { ...usage }, 'resume');
    }
  }

  /** Children left waiting for a repair by a killed run: repaired first now, or failures at once when no repair can run. */
  private settleResumedRepairs(): void {
    for (const pending of this.resumedRepairs) {
      this.repairs.defer(pending);
      if (!this.canRepair) this.finishRepair(pending, null, false, this.progress.attempts);
    }
    this.resumedRepairs = [];
  }

  private checkpointedParts(): CheckpointedParts {
    return { operators: this.options.operators, chooser: this.options.chooser, database: this.database, applyFailures: this.applyFailures, notices: this.noticesGiven, bursts: this.bursts, operatorMix: this.operatorMix };
  }

  private async evaluateInitial(): Promise<void> {
    const { problem, runId } = this.options;
    const base: AttemptBase = {
      id: createId('prg'),
      runId,
      parentId: null,
      inspirationIds: [],
      island: 0,
      generation: 0,
      operator: initialOperator,
      model: null,
      proposeMs: 0,
      createdAt: this.clock.now(),
    };
    const result = await this.runEvaluator(problem.files, base.id);
    if (this.abort.signal.aborted) return;
    const fingerprint = fingerprintText(this.loader.textOf(problem.files));
    const record = await this.recordEvaluation(base, null, null, fingerprint, problem.files, result, 0);
    if (record.status === 'evaluated') for (const island of this.database.islands) this.database.addCopy(record.id, island.index);
  }

  /** Whether attempt `iteration` may start: no stop requested, within the iteration and wall-time budgets. */
  private mayStart(iteration: number, idle: boolean): boolean {
    if (this.stopReason !== null) return false;
    const limited = iterationLimitStop(this.options.limits, iteration, this.clock.now() - this.startedAt, idle);
    if (limited?.stop) this.requestStop(limited.stop.reason, limited.stop.message);
    return limited === undefined;
  }

  private async propose(iteration: number): Promise<Candidate | undefined> {
    const { runId, problem, settings } = this.options;
    // A seeded run reads insights only once the refresh started by an earlier result has ended, whenever that is.
    if (this.ordered) await this.insightsSchedule.settled();
    // A failed child waiting for its repair goes first, on its own island.
    const repairOf = this.canRepair ? (this.repairs.next() ?? null) : null;
    const islandIndex = repairOf?.island ?? (iteration - 1) % this.database.islands.length;
    // A hybrid burst step tunes a model child that just became its island's best (see tuning-bursts.ts).
    const burst = repairOf === null && this.tuner !== undefined ? this.nextBurstStep() : undefined;
    // Every random draw of a step happens here, before any await, so a seeded serial run replays exactly.
    const choice: ParentChoice | undefined =
      repairOf !== null
        ? { kind: 'fix', programId: repairOf.id, failed: true }
        : burst !== undefined
          ? { kind: 'burst', programId: burst.programId, failed: false }
          : this.chooseParent(islandIndex);
    if (choice === undefined) {
      this.requestStop('no-candidates', 'no program to select a parent from');
      return undefined;
    }
    const inspirationIds = choice.failed
      ? []
      : selectInspirations({ database: this.database, island: islandIndex, parentId: choice.programId, random: this.random, settings: settings.inspirations });
    const partners = secondParentCandidates(this.database, choice.programId, islandIndex);
    const operator = burst !== undefined ? this.tuner! : chooseOperator(this.eligibleOperators, this.options.settings.operatorWeights, this.random, choice, partners.length > 0, this.operatorMix);
    const model = operator.needsModel ? this.options.chooser?.choose(this.random) : undefined;
    const operatorRandom = new Random(this.random.integer(0x100000000));
    const otherParentId = needsSecondParent(operator) ? partners[this.random.integer(partners.length)] : undefined;
    this.database.noteChild(choice.programId);
    const previousFailure = this.applyFailures.get(choice.programId);
    this.applyFailures.delete(choice.programId);

    const parentRecord = await this.loader.get(choice.programId);
    if (parentRecord === undefined) {
      if (repairOf !== null) this.finishRepair(repairOf, null, false, iteration);
      return undefined;
    }
    const parent = toSnapshot(parentRecord);
    const inspirations = (await Promise.all(inspirationIds.map((id) => this.loader.get(id)))).filter((record) => record !== undefined).map((record) => toSnapshot(record));
    const otherRecord = otherParentId === undefined ? undefined : await this.loader.get(otherParentId);
    const began = this.clock.now();
    const base: AttemptBase = {
      id: createId('prg'),
      runId,
      parentId: parent.id,
      inspirationIds,
      island: islandIndex,
      generation: parent.generation + 1,
      operator: operator.name,
      model: model?.spec ?? null,
      proposeMs: 0,
      createdAt: began,
    };
    this.emit({ type: 'candidate-proposed', runId, iteration, parentId: parent.id, island: islandIndex, operator: operator.name, model: base.model, draw: choice.kind });

    let proposal: CandidateProposal;
    try {
      if (model !== undefined) this.options.meter.beforeCall(model.spec);
      proposal = await operator.propose({
        problem,
        parent,
        ...(otherRecord ? { otherParent: toSnapshot(otherRecord) } : {}),
        inspirations,
        insights: this.insights,
        ...(previousFailure === undefined ? {} : { previousFailure }),
        ...(model ? { model } : {}),
        meter: this.options.meter,
        random: operatorRandom,
        signal: this.abort.signal,
      });
    } catch (error) {
      if (this.abort.signal.aborted) return undefined;
      if (model !== undefined) this.noteModelOutcome(error);
      const failure = classifyProposalError(error);
      if (failure.budget !== null) {
        this.requestStop(`budget-${failure.budget.kind}` as EvolveStopReason, failure.message);
        return undefined;
      }
      if (failure.kind === 'apply-failed') {
        this.applyFailures.set(parent.id, failure.message);
        // Only recent reasons matter; a parent not picked again soon need not carry one forever.
        if (this.applyFailures.size > 1000) this.applyFailures.delete(this.applyFailures.keys().next().value!);
      }
      base.proposeMs = this.clock.now() - began;
      const status = failure.kind === 'apply-failed' || failure.kind === 'not-applicable' ? 'rejected' : 'failed';
      await this.recordRejection(base, iteration, { status, files: {}, proposal: spentProposal(error, operator.name) }, failure, repairOf);
      return undefined;
    }
    if (model !== undefined) this.noteModelOutcome(null);
    base.proposeMs = this.clock.now() - began;
    if (this.abort.signal.aborted) return undefined;
    const oversize = programSizeProblem(proposal.files, settings.maxProgramChars);
    if (oversize !== undefined) {
      await this.recordRejection(base, iteration, { status: 'failed', files: {}, proposal: { ...proposal, files: {}, diff: '' } }, oversize, repairOf);
      return undefined;
    }
    const childText = this.loader.textOf(proposal.files);
    const fingerprint = fingerprintText(childText);
    const verdict = await this.novelty.check({
      childText,
      fingerprint,
      parentId: parent.id,
      parentText: this.loader.textOf(parent.files),
      island: islandIndex,
      operator: operator.name,
      pendingHashes: this.pendingHashes,
      signal: this.abort.signal,
    });
    // The check awaited: an identical child proposed concurrently may have become pending meanwhile.
    const reason = !verdict.novel
      ? verdict.reason
      : this.pendingHashes.has(fingerprint.contentHash)
        ? 'identical to a candidate already waiting for evaluation'
        : null;
    if (reason !== null) {
      await this.recordRejection(base, iteration, { status: 'rejected', files: proposal.files, proposal }, { kind: 'novelty-rejected', message: reason }, repairOf);
      return undefined;
    }
    this.pendingHashes.add(fingerprint.contentHash);
    return { base, parent, operator, proposal, fingerprint, iteration, repairOf };
  }

  private async evaluate(candidate: Candidate): Promise<void> {
    try {
      const evaluated = await this.runCandidate(candidate);
      // Abandoned by stop(): not recorded, so a resumed run proposes afresh instead of trusting it.
      if (this.abort.signal.aborted) return;
      await this.applyCandidate(candidate, evaluated);
    } finally {
      // Pending until recorded (in the database or the failed set), so no identical child slips through meanwhile.
      this.pendingHashes.delete(candidate.fingerprint.contentHash);
    }
  }

  /** Runs a candidate's evaluation; records nothing (a seeded run applies results in attempt order). */
  private async runCandidate(candidate: Candidate): Promise<Evaluated> {
    const began = this.clock.now();
    const proposed = candidate.base.createdAt + candidate.base.proposeMs;
    const result = await this.runEvaluator(candidate.proposal.files, candidate.base.id);
    // Kept apart from the evaluation, so the time a candidate waited for a slot never counts as a busy slot.
    return { result, queuedMs: Math.max(0, began - proposed), evaluateMs: this.clock.now() - began };
  }

  private async applyCandidate(candidate: Candidate, evaluated: Evaluated): Promise<void> {
    const { base, proposal } = candidate;
    await this.recordEvaluation(base, candidate, proposal, candidate.fingerprint, proposal.files, evaluated.result, evaluated.evaluateMs, evaluated.queuedMs);
  }

  /** An evaluator that throws (a bug, a vanished interpreter) gives a failed evaluation, not a dead run. */
  private async runEvaluator(files: Record<string, string>, candidateId: string): Promise<EvaluationResult> {
    const began = this.clock.now();
    try {
      return await this.options.evaluator.evaluate(files, { signal: this.abort.signal, runId: this.options.runId, candidateId });
    } catch (error) {
      const message = `the evaluator threw: ${toLamarckError(error).message}`;
      return { ok: false, score: null, metrics: {}, artifacts: { error: message }, failure: { kind: 'crash', message }, stages: 0, durationMs: this.clock.now() - began };
    }
  }

  private async recordEvaluation(
    base: AttemptBase,
    candidate: Candidate | null,
    proposal: CandidateProposal | null,
    fingerprint: TextFingerprint,
    files: Record<string, string>,
    result: EvaluationResult,
    evaluateMs: number,
    queuedMs = 0,
  ): Promise<ProgramRecord> {
    const ok = result.ok && result.score !== null && Number.isFinite(result.score);
    const features = ok ? this.database.computeFeatures(fingerprint, result.metrics) : {};
    const failure = ok ? null : (result.failure ?? { kind: 'non-finite-score', message: 'the evaluation gave no finite score' });
    const { runId } = this.options;
    const iteration = candidate?.iteration ?? 0;
    // A child that broke is scored only after its repair; a repair's own failure is final.
    const deferred = failure !== null && candidate !== null && this.canRepair && candidate.operator.name !== repairOperatorName && repairableFailures.has(failure.kind);
    if (deferred) {
      // Stored before the child, so a resumed run never mistakes a pending child for a final failure.
      this.emit({ type: 'repair-queued', runId, iteration, programId: base.id, failure });
      await this.log.settled();
    }
    const record = await this.options.store.putProgram(
      attemptRecord(base, {
        status: ok ? 'evaluated' : 'failed',
        files,
        proposal,
        score: ok ? result.score : null,
        metrics: result.metrics,
        features,
        artifacts: result.artifacts,
        failure,
        evaluateMs: evaluateMs || result.durationMs,
        queuedMs,
        fingerprint: encodeFingerprint(fingerprint),
      }),
    );
    this.loader.remember(record);
    const previousBest = this.database.best();
    if (ok) {
      this.database.add({
        id: record.id,
        sequence: record.sequence ?? this.progress.records + 1,
        parentId: record.parentId,
        operator: record.operator,
        generation: record.generation,
        score: result.score!,
        features,
        fingerprint,
        island: record.island,
      });
    } else {
      const info = { id: record.id, island: record.island, generation: record.generation, failureKind: failure!.kind, operator: record.operator };
      if (deferred) this.repairs.defer(info);
      else this.database.recordFailure(info);
      this.novelty.rememberFailure(fingerprint.contentHash, record.id);
    }
    this.progress.recordAttempt(record, { evaluated: true, initial: candidate === null, deferFailure: deferred, parentScore: candidate?.parent.score ?? null });
    if (candidate?.repairOf) this.finishRepair(candidate.repairOf, record.id, ok, iteration);
    if (candidate !== null) {
      candidate.operator.observe?.({ parent: candidate.parent, proposal: candidate.proposal, result });
      this.operatorMix?.update(candidate.operator.name, { parentScore: candidate.parent.score, childScore: record.score, costUsd: record.costUsd });
      if (proposal?.model) {
        this.options.chooser?.observe({ model: proposal.model, parentScore: candidate.parent.score, childScore: record.score, costUsd: record.costUsd });
      }
    }
    this.emit({
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
      totals: this.totals(),
    });
    const best = this.database.best();
    if (ok && best !== undefined && best.id === record.id && best !== previousBest) {
      this.progress.best = { id: best.id, score: best.score };
      this.emit({ type: 'best-improved', runId, iteration, programId: best.id, score: best.score, previousScore: previousBest?.score ?? null });
    }
    if (ok && candidate !== null && this.tuner !== undefined) {
      const isIslandBest = this.database.island(record.island).best()?.info.id === record.id;
      this.bursts.onEvaluated({ id: record.id, island: record.island, operator: record.operator, isIslandBest }, this.progress.operatorYield.toJSON());
    }
    this.afterRecord(record, candidate?.parent.score ?? null, iteration);
    return record;
  }

  private async recordRejection(
    base: AttemptBase,
    iteration: number,
    outcome: { status: 'rejected' | 'failed'; files: Record<string, string>; proposal: CandidateProposal | null },
    failure: { kind: string; message: string },
    repairOf: PendingRepair | null,
  ): Promise<void> {
    const record = await this.options.store.putProgram(attemptRecord(base, { ...outcome, score: null, failure, evaluateMs: 0 }));
    this.progress.recordAttempt(record, { evaluated: false, initial: false });
    this.operatorMix?.update(record.operator, { parentScore: null, childScore: null, costUsd: record.costUsd });
    if (repairOf !== null) this.finishRepair(repairOf, record.id, false, iteration);
    const kind = failure.kind === 'novelty-rejected' || failure.kind === 'apply-failed' || failure.kind === 'not-applicable' ? failure.kind : 'model-error';
    this.emit({
      type: 'candidate-rejected',
      runId: this.options.runId,
      iteration,
      programId: record.id,
      parentId: base.parentId!,
      island: base.island,
      operator: base.operator,
      kind,
      message: failure.message,
      totals: this.totals(),
    });
    this.afterRecord(record, null, iteration);
  }

  /** Stops the run once enough model calls in a row fail because the model cannot be used. */
  private noteModelOutcome(error: unknown): void {
    const message = this.modelWatch.note(error);
    if (message !== undefined) this.requestStop('model-unusable', message);
  }

  /** Scores a pending child once its repair ended: repaired, or a failure of its own kind. */
  private finishRepair(pending: PendingRepair, repairId: string | null, repaired: boolean, iteration: number): void {
    if (this.repairs.resolve(pending.id) === undefined) return;
    if (repaired) this.progress.repaired += 1;
    else {
      this.progress.countFailure(pending.failureKind, pending.operator);
      this.database.recordFailure(pending);
    }
    this.emit({ type: 'repair-finished', runId: this.options.runId, iteration, programId: pending.id, repairId, repaired });
  }

  /** Bookkeeping after any stored attempt: migration, checkpoint, insights, budgets. */
  private afterRecord(record: ProgramRecord, parentScore: number | null, iteration: number): void {
    this.recentOutcomes.push(outcomeOf(record, parentScore));
    if (this.recentOutcomes.length > 50) this.recentOutcomes.shift();
    for (const island of this.database.islandsDueForMigration()) {
      const moves = this.database.migrateFrom(island);
      if (moves.length === 0) continue;
      const event: EvolveEvent = { type: 'islands-migrated', runId: this.options.runId, iteration, from: island, to: moves[0]!.to, programIds: moves.map((move) => move.programId) };
      this.emit(event, { moves: moves.map((move) => ({ ...move })) });
    }
    const { checkpointEvery } = this.options.settings;
    if (this.progress.records - this.lastCheckpointAt >= checkpointEvery) {
      this.lastCheckpointAt = this.progress.records;
      this.enqueueWrite(() => this.writeCheckpoint());
    }
    const { runId, meter, chooser } = this.options;
    this.insightsSchedule.maybeRefresh(
      this.progress.attempts,
      { outcomes: [...this.recentOutcomes], current: this.insights, model: chooser?.models[0], meter, signal: this.abort.signal },
      {
        refreshed: (insights) => {
          this.insights = insights;
          this.emit({ type: 'insights-refreshed', runId, iteration, insights });
        },
        failed: (message) => this.emit({ type: 'notice', runId, level: 'warning', message }),
      },
    );
    const spent = spentBudgetStop(this.options.meter);
    if (spent !== undefined) this.requestStop(spent.reason, spent.message);
  }

  private chooseParent(islandIndex: number): ParentChoice | undefined {
    const select = (island: number): ParentChoice | undefined =>
      selectParent({ database: this.database, island, random: this.random, settings: this.options.settings.selection, canRepair: this.canRepair });
    // An island with nothing to offer yet borrows from the first island that has something.
    return select(islandIndex) ?? this.database.islands.map((island) => island.index).filter((index) => index !== islandIndex).reduce<ParentChoice | undefined>((found, index) => found ?? select(index), undefined);
  }

  /** The next burst step whose program the database still holds (an evicted one ends its burst). */
  private nextBurstStep(): { programId: string; island: number } | undefined {
    for (let step = this.bursts.next(); step !== undefined; step = this.bursts.next()) {
      if (this.database.get(step.programId) !== undefined) return step;
    }
    return undefined;
  }

  private weightOf(operator: Operator): number {
    return operatorWeight(operator, this.options.settings.operatorWeights);
  }

  private async writeCheckpoint(): Promise<void> {
    const state = { recorded: this.progress.records, random: this.random, insights: this.insights, savedAt: this.clock.now() };
    await saveCheckpoint(this.options.store, this.options.runId, captureCheckpoint(this.checkpointedParts(), state));
  }

  private requestStop(reason: EvolveStopReason, message: string | null): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.stopMessage = message;
  }

  private fail(error: unknown): void {
    this.requestStop('error', toLamarckError(error).message);
    this.abort.abort(error);
  }

  private emit(event: EvolveEvent, extra: JsonObject = {}): void {
    this.log.emit(event, extra);
  }

  private enqueueWrite(write: () => Promise<void>): void {
    this.log.enqueue(write);
  }

  private totals(): RunTotals {
    return this.progress.totals(this.options.meter.totals().costUsd, this.clock.now() - this.startedAt);
  }

  private summary(): EvolveSummary {
    const reason = this.stopReason ?? 'iterations';
    const { inputTokens, outputTokens, costUsd } = this.options.meter.totals();
    const unrepaired = this.repairs.leftovers().map((pending) => pending.failureKind);
    const durationMs = this.clock.now() - this.startedAt;
    return this.progress.summary({ status: summaryStatus(reason), stopReason: reason, message: this.stopMessage, durationMs, usage: { inputTokens, outputTokens, costUsd }, resumed: this.options.resume, unrepaired });
  }
}

export { preEvaluationFailures };
