import { systemClock, type Clock } from '../../core/clock.ts';
import { ConfigError, toLamarckError } from '../../core/errors.ts';
import type { EventChannel } from '../../core/event-channel.ts';
import { createId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import { Random } from '../../core/random.ts';
import type { EmbeddingClient, UsageMeter } from '../../model/types.ts';
import type { ProgramRecord, Store } from '../../store/types.ts';
import { ProgramDatabase } from '../database/program-database.ts';
import { encodeFingerprint, fingerprintText, type TextFingerprint } from '../database/text-fingerprint.ts';
import { NoveltyFilter } from '../novelty.ts';
import { selectInspirations } from '../select-inspirations.ts';
import { selectParent, type ParentChoice } from '../select-parent.ts';
import type { EvaluationResult, Evaluator, Operator, Problem, ProgramSnapshot, Proposal } from '../types.ts';
import { attemptRecord, classifyProposalError, spentProposal, type AttemptBase } from './attempt-record.ts';
import { loadCheckpoint, saveCheckpoint, type EngineCheckpoint } from './checkpoint.ts';
import { TuningBursts } from './tuning-bursts.ts';
import type { InsightsRefresher, ModelChooser, ProgramOutcome } from './collaborators.ts';
import type { EngineSettings } from './engine-settings.ts';
import type { EvolveEvent, EvolveSummary, RunTotals, StopReason } from './events.ts';
import { OrderedScheduler } from './ordered-scheduler.ts';
import { PipelineScheduler } from './pipeline-scheduler.ts';
import { ProgramLoader, toSnapshot } from './program-loader.ts';
import { initialFailureMessage } from './initial-failure.ts';
import { initialOperator, preEvaluationFailures, rebuildDatabase } from './rebuild-database.ts';
import { repairableFailures, repairOperatorName, RepairQueue, type PendingRepair } from './repair-queue.ts';
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
export interface EngineOptions {
  runId: string;
  problem: Problem;
  store: Store;
  evaluator: Evaluator;
  operators: readonly Operator[];
  chooser?: ModelChooser | undefined;
  insights?: InsightsRefresher | undefined;
  embeddings?: EmbeddingClient | undefined;
  meter: UsageMeter;
  settings: EngineSettings;
  limits: { iterations?: number | undefined; wallTimeMs?: number | undefined };
  /** A seed makes the run reproducible with any number of evaluation slots (results are applied in attempt order). */
  seed: number | null;
  channel: EventChannel<EvolveEvent>;
  clock?: Clock;
  resume: boolean;
}

interface Candidate {
  base: AttemptBase;
  parent: ProgramSnapshot;
  operator: Operator;
  proposal: Proposal;
  fingerprint: TextFingerprint;
  iteration: number;
  /** The pending child this candidate repairs, if it is such a repair. */
  repairOf: PendingRepair | null;
}

/** What an evaluation slot hands back for a candidate. */
interface Evaluated {
  result: EvaluationResult;
  evaluateMs: number;
}

export class EvolutionEngine {
  private readonly options: EngineOptions;
  private readonly clock: Clock;
  private readonly database: ProgramDatabase;
  private readonly loader: ProgramLoader;
  private readonly novelty: NoveltyFilter;
  private readonly bursts = new TuningBursts();
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
  private stopReason: StopReason | null = null;
  private stopMessage: string | null = null;
  private startedAt = 0;
  private writes: Promise<void> = Promise.resolve();
  private insightsRun: Promise<void> | undefined;
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
    this.modelWatch = new UnusableModelWatch(options.settings.unusableModelCalls);
    this.ordered = options.seed !== null;
    const hasModel = options.chooser !== undefined && options.chooser.models.length > 0;
    this.eligibleOperators = options.operators.filter((operator) => hasModel || !operator.needsModel);
    // Bursts need a model (their children) and a tuner that may run (a zero weight turns it off).
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
      await this.insightsRun;
    } catch (error) {
      this.requestStop('error', toLamarckError(error).message);
      this.abort.abort(error);
    }
    await this.writeCheckpoint().catch(() => undefined);
    await this.writes;
    const summary = this.summary();
    this.emit({ type: 'run-finished', runId, summary });
    await this.writes;
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
    if (checkpoint !== undefined) this.restoreCheckpoint(checkpoint);
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

  private restoreCheckpoint(checkpoint: EngineCheckpoint): void {
    this.random = Random.fromState(checkpoint.random);
    for (const operator of this.options.operators) {
      const state = checkpoint.operators[operator.name];
      if (state !== undefined) operator.restoreState?.(state);
    }
    if (checkpoint.models !== null) this.options.chooser?.restoreState?.(checkpoint.models);
    this.insights = [...checkpoint.insights];
    this.bursts.restoreState(checkpoint.bursts);
    checkpoint.islandCounters.forEach((count, index) => {
      if (index < this.database.islands.length) this.database.islands[index]!.generationsSinceMigration = count;
    });
    for (const [parentId, reason] of checkpoint.applyFailures) this.applyFailures.set(parentId, reason);
    for (const notice of checkpoint.notices ?? []) this.noticesGiven.add(notice);
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
    const { iterations, wallTimeMs } = this.options.limits;
    if (iterations !== undefined && iteration > iterations) {
      if (idle) this.requestStop('iterations', null);
      return false;
    }
    if (wallTimeMs !== undefined && this.clock.now() - this.startedAt >= wallTimeMs) {
      this.requestStop('wall-time', `wall-time budget of ${wallTimeMs} ms reached`);
      return false;
    }
    return true;
  }

  private async propose(iteration: number): Promise<Candidate | undefined> {
    const { runId, problem, settings } = this.options;
    // A seeded run reads insights only once the refresh started by an earlier result has ended, whenever that is.
    if (this.ordered) await this.insightsRun;
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
    const partners = this.crossoverPartners(choice.programId, islandIndex);
    const operator = burst !== undefined ? this.tuner! : this.chooseOperator(choice, partners.length > 0);
    const model = operator.needsModel ? this.options.chooser?.choose(this.random) : undefined;
    const operatorRandom = new Random(this.random.integer(0x100000000));
    const otherParentId = isCrossover(operator) ? partners[this.random.integer(partners.length)] : undefined;
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

    let proposal: Proposal;
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
        this.requestStop(`budget-${failure.budget.kind}` as StopReason, failure.message);
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
    const result = await this.runEvaluator(candidate.proposal.files, candidate.base.id);
    return { result, evaluateMs: this.clock.now() - began };
  }

  private async applyCandidate(candidate: Candidate, evaluated: Evaluated): Promise<void> {
    const { base, proposal } = candidate;
    await this.recordEvaluation(base, candidate, proposal, candidate.fingerprint, proposal.files, evaluated.result, evaluated.evaluateMs);
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
    proposal: Proposal | null,
    fingerprint: TextFingerprint,
    files: Record<string, string>,
    result: EvaluationResult,
    evaluateMs: number,
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
      await this.writes;
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
    outcome: { status: 'rejected' | 'failed'; files: Record<string, string>; proposal: Proposal | null },
    failure: { kind: string; message: string },
    repairOf: PendingRepair | null,
  ): Promise<void> {
    const record = await this.options.store.putProgram(attemptRecord(base, { ...outcome, score: null, failure, evaluateMs: 0 }));
    this.progress.recordAttempt(record, { evaluated: false, initial: false });
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
    const { checkpointEvery, insightsEvery } = this.options.settings;
    if (this.progress.records - this.lastCheckpointAt >= checkpointEvery) {
      this.lastCheckpointAt = this.progress.records;
      this.enqueueWrite(() => this.writeCheckpoint());
    }
    if (insightsEvery > 0 && this.options.insights !== undefined && this.progress.attempts > 0 && this.progress.attempts % insightsEvery === 0) {
      this.refreshInsights(iteration);
    }
    const limits = this.options.meter.limits;
    const spent = this.options.meter.totals();
    if (limits.maxUsd !== undefined && spent.costUsd >= limits.maxUsd) this.requestStop('budget-usd', `USD budget of ${limits.maxUsd} reached`);
    if (limits.maxTokens !== undefined && spent.inputTokens + spent.outputTokens >= limits.maxTokens) {
      this.requestStop('budget-tokens', `token budget of ${limits.maxTokens} reached`);
    }
  }

  private refreshInsights(iteration: number): void {
    if (this.insightsRun !== undefined) return;
    const refresher = this.options.insights!;
    const model = this.options.chooser?.models[0];
    this.insightsRun = refresher
      .refresh({ outcomes: [...this.recentOutcomes], current: this.insights, model, meter: this.options.meter, signal: this.abort.signal })
      .then((insights) => {
        this.insights = insights;
        this.emit({ type: 'insights-refreshed', runId: this.options.runId, iteration, insights });
      })
      .catch((error: unknown) => {
        this.emit({ type: 'notice', runId: this.options.runId, level: 'warning', message: `insights refresh failed: ${toLamarckError(error).message}` });
      })
      .finally(() => {
        this.insightsRun = undefined;
      });
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

  /** Crossover runs only where it can: when the parent's island holds another, different program. */
  private chooseOperator(choice: ParentChoice, hasPartner: boolean): Operator {
    if (choice.failed) return this.eligibleOperators.find((operator) => operator.name === repairOperatorName)!;
    const candidates = this.eligibleOperators.filter((operator) => operator.name !== repairOperatorName && (hasPartner || !isCrossover(operator)));
    return candidates[this.random.weightedIndex(candidates.map((operator) => this.weightOf(operator)))]!;
  }

  private weightOf(operator: Operator): number {
    return this.options.settings.operatorWeights[operator.name] ?? 1;
  }

  /** Second parents for crossover: the best members of the parent's island with other code. */
  private crossoverPartners(parentId: string, islandIndex: number): string[] {
    const island = this.database.island(islandIndex);
    const parentHash = island.placementOf(parentId)?.info.fingerprint.contentHash;
    return island
      .top(16)
      .filter((placement) => placement.info.id !== parentId && placement.info.fingerprint.contentHash !== parentHash)
      .map((placement) => placement.info.id);
  }

  private async writeCheckpoint(): Promise<void> {
    const operators: Record<string, JsonObject> = {};
    for (const operator of this.options.operators) {
      const state = operator.saveState?.();
      if (state !== undefined) operators[operator.name] = state;
    }
    await saveCheckpoint(this.options.store, this.options.runId, {
      version: 1,
      recorded: this.progress.records,
      random: this.random.saveState(),
      operators,
      models: this.options.chooser?.saveState?.() ?? null,
      insights: this.insights,
      islandCounters: this.database.islands.map((island) => island.generationsSinceMigration),
      applyFailures: [...this.applyFailures.entries()].slice(-100),
      notices: [...this.noticesGiven],
      bursts: this.bursts.saveState(),
      savedAt: this.clock.now(),
    });
  }

  private requestStop(reason: StopReason, message: string | null): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.stopMessage = message;
  }

  private fail(error: unknown): void {
    this.requestStop('error', toLamarckError(error).message);
    this.abort.abort(error);
  }

  /** Publishes an event; lasting ones also go to the store's event log, in order, off the hot path. */
  private emit(event: EvolveEvent, extra: JsonObject = {}): void {
    this.options.channel.publish(event);
    if (event.type === 'candidate-proposed' || event.type === 'candidate-evaluated' || event.type === 'candidate-rejected') return;
    const { type, ...data } = event;
    this.enqueueWrite(async () => {
      await this.options.store.appendEvent(this.options.runId, type, { ...(data as unknown as JsonObject), ...extra });
    });
  }

  private enqueueWrite(write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((error: unknown) => {
      this.fail(error);
    });
  }

  private totals(): RunTotals {
    const failures = this.progress.failureCount;
    return {
      iterations: this.progress.attempts,
      evaluations: this.progress.evaluations,
      evaluationsHere: this.progress.evaluationsHere,
      failures,
      bestScore: this.progress.best?.score ?? null,
      costUsd: this.options.meter.totals().costUsd,
      elapsedMs: this.clock.now() - this.startedAt,
    };
  }

  private summary(): EvolveSummary {
    const reason = this.stopReason ?? 'iterations';
    const durationMs = this.clock.now() - this.startedAt;
    const totals = this.options.meter.totals();
    const status = reason === 'error' || reason === 'no-candidates' || reason === 'model-unusable' ? 'failed' : reason === 'stopped' ? 'stopped' : 'finished';
    return this.progress.summary({
      status,
      stopReason: reason,
      message: this.stopMessage,
      durationMs,
      usage: { inputTokens: totals.inputTokens, outputTokens: totals.outputTokens, costUsd: totals.costUsd },
      resumed: this.options.resume,
      unrepaired: this.repairs.leftovers().map((pending) => pending.failureKind),
    });
  }
}

function outcomeOf(record: ProgramRecord, parentScore: number | null): ProgramOutcome {
  return {
    id: record.id,
    parentId: record.parentId,
    operator: record.operator,
    score: record.score,
    parentScore,
    failure: record.failure,
    diff: record.diff.slice(0, 2000),
  };
}

export { preEvaluationFailures };

/** An operator that combines two parents, as it declares (`requires.parents`). */
function isCrossover(operator: Operator): boolean {
  return (operator.requires?.parents ?? 1) >= 2;
}
