import { toLamarckError } from '../../core/errors.ts';
import type { ProgramRecord } from '../../store/types.ts';
import { fingerprintText } from '../database/text-fingerprint.ts';
import type { EvaluationResult } from '../types.ts';
import { recordEvaluation, recordRejection, finishRepair } from './apply-outcome.ts';
import type { AttemptBase } from './attempt-record.ts';
import type { JsonObject } from '../../core/json.ts';
import { committedRoutesKey, countsFromJson } from './proposal-routes.ts';
import { captureCheckpoint, checkpointScope, loadCheckpoint, restoreCheckpoint, saveCheckpoint, type EngineCheckpoint, type ResumePoint } from './checkpoint.ts';
import { EngineContext } from './engine-context.ts';
import type { Candidate, EngineOptions, EvaluationCandidate } from './engine-options.ts';
import type { EvolveSummary } from './events.ts';
import { initialFailureMessage } from './initial-failure.ts';
import { OrderedScheduler } from './ordered-scheduler.ts';
import { PipelineScheduler } from './pipeline-scheduler.ts';
import { proposeCandidate } from './propose-candidate.ts';
import { initialOperator, preEvaluationFailures, rebuildDatabase } from './rebuild-database.ts';
import type { PendingRepair } from './repair-queue.ts';
import { restoreCandidate, saveCandidate } from './resume-window.ts';
import { iterationLimitStop, summaryStatus } from './run-limits.ts';

/**
 * The evolution loop: evaluate the initial program, then run attempts until a limit, each a
 * proposal (propose-candidate.ts) and, for a novel child, an evaluation, whose result is applied
 * (apply-outcome.ts). Unseeded, the PipelineScheduler keeps many proposals and evaluations in
 * flight and applies each result as it comes; the engine state is checkpointed every few records.
 * Seeded, the OrderedScheduler proposes one at a time and applies results in attempt order, and
 * every applied result is checkpointed with the candidates proposed ahead of it, before its record
 * is stored: a resumed run continues exactly where the killed one was (see checkpoint.ts). A child
 * that fails in a repairable way is repaired, ahead of new proposals, before it is scored.
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
  private readonly context: EngineContext;
  /** Seeded runs: the candidates proposed and not yet applied, in attempt order (each checkpoint keeps them). */
  private readonly window: Candidate[] = [];
  /** Seeded runs: the attempt number the next proposal takes. */
  private nextIteration = 1;
  /** Children a resumed run found still waiting for their repair (when no exact checkpoint holds them). */
  private resumedRepairs: PendingRepair[] = [];
  private lastCheckpointAt = 0;

  constructor(options: EngineOptions) {
    this.context = new EngineContext(options);
  }

  /** Asks the loop to stop: nothing new starts, in-flight work is abandoned (it is redone on resume). */
  stop(message = 'stopped on request'): void {
    this.context.requestStop('stopped', message);
    this.context.abort.abort(new Error('stopped'));
  }

  async run(): Promise<EvolveSummary> {
    const context = this.context;
    const { runId, problem, chooser, seed, resume, store } = context.options;
    context.startedAt = context.clock.now();
    await this.startRoutes();
    if (resume) await this.resume();
    const models = chooser?.models.map((model) => model.spec) ?? [];
    const operators = context.eligibleOperators.map((operator) => operator.name);
    context.emit({ type: 'run-started', runId, problem: problem.name, resumed: resume, iteration: context.progress.attempts, models, operators, seed });
    if (models.length === 0 && !context.noticesGiven.has('model-free')) {
      context.emit({ type: 'notice', runId, level: 'info', message: `no model configured: running model-free operators only (${operators.join(', ')})` });
      context.noticesGiven.add('model-free');
      // Saved at once: a run killed before its first checkpoint must not repeat it either.
      context.log.enqueue(() => this.writeCheckpoint());
    }
    this.settleResumedRepairs();
    try {
      if (context.progress.initialScore === null && context.progress.records === 0) await this.evaluateInitial();
      if (context.database.size === 0 && !context.canRepair) {
        context.requestStop('no-candidates', await initialFailureMessage(store, runId));
      }
      await this.schedule();
      await context.insightsSchedule.settled();
    } catch (error) {
      context.fail(error);
    }
    // A seeded run's last checkpoint is the one written with its last applied result: what was
    // proposed after it is abandoned, so a checkpoint taken now would not match the store.
    if (!context.ordered) await this.writeCheckpoint().catch(() => undefined);
    await context.log.settled();
    await this.commitRoutes();
    const summary = this.summary();
    context.emit({ type: 'run-finished', runId, summary });
    await context.log.settled();
    return summary;
  }

  private async schedule(): Promise<void> {
    const context = this.context;
    const { concurrency } = context.options.settings;
    const common = {
      mayStart: (iteration: number, idle: boolean) => this.mayStart(iteration, idle),
      aborted: () => context.abort.signal.aborted,
      onError: (error: unknown) => context.fail(error),
    };
    if (context.ordered) {
      await new OrderedScheduler<Candidate, Evaluated | null>({
        ...common,
        evaluations: concurrency.evaluations,
        window: concurrency.window,
        startAfter: this.nextIteration - 1,
        resumeWith: [...this.window],
        propose: (iteration) => this.proposeInOrder(iteration),
        evaluate: (candidate) => (candidate.kind === 'evaluate' ? this.runCandidate(candidate) : Promise.resolve(null)),
        apply: (candidate, evaluated) => this.applyInOrder(candidate, evaluated),
        settled: (candidate) => {
          if (candidate.kind === 'evaluate') context.pendingHashes.delete(candidate.fingerprint.contentHash);
        },
        now: () => context.clock.now(),
      }).run();
      return;
    }
    await new PipelineScheduler<EvaluationCandidate>({
      ...common,
      ...concurrency,
      serial: false,
      startAfter: context.progress.attempts,
      propose: (iteration) => this.proposeAndRecordRejection(iteration),
      evaluate: (candidate) => this.evaluate(candidate),
      urgent: () => context.canRepair && context.repairs.hasWaiting,
      priority: (candidate) => candidate.repairOf !== null,
    }).run();
  }

  private async resume(): Promise<void> {
    const context = this.context;
    const { store, runId } = context.options;
    const checkpoint = await loadCheckpoint(store, runId);
    // A seeded run's checkpoint holding a window is an exact resume point; any other is a best effort.
    const exact = context.ordered && checkpoint?.window !== undefined ? checkpoint : undefined;
    if (exact?.pendingRecord !== undefined && (await store.getProgram(String(exact.pendingRecord['id']))) === undefined) {
      await store.putProgram(exact.pendingRecord as unknown as ProgramRecord);
    }
    const rebuilt = await rebuildDatabase({
      store,
      runId,
      database: context.database,
      loader: context.loader,
      onFailedEvaluation: (programId, contentHash) => context.novelty.rememberFailure(contentHash, programId),
      records: exact?.recorded,
      openRepairs: exact === undefined ? undefined : new Set(exact.repairs?.open.map((pending) => pending.id) ?? []),
    });
    context.progress.restore(rebuilt);
    context.recentOutcomes.push(...rebuilt.recentOutcomes);
    // Whether the evaluator was found noisy is recorded with the initial program's evaluations.
    const [initial] = await store.listPrograms(runId, { limit: 1 });
    if (initial?.operator === initialOperator) context.noise.restoreFromInitial(initial.metrics);
    if (checkpoint !== undefined) ({ random: context.random, insights: context.insights } = restoreCheckpoint(checkpoint, context.checkpointedParts()));
    const usage = { ...rebuilt.usage };
    if (exact !== undefined) {
      for (const candidate of await this.restoreWindow(exact)) {
        const spent = candidate.kind === 'evaluate' ? candidate.proposal.usage : candidate.outcome.proposal?.usage;
        usage.inputTokens += spent?.inputTokens ?? 0;
        usage.outputTokens += spent?.outputTokens ?? 0;
        usage.costUsd += spent?.costUsd ?? 0;
      }
    } else {
      context.attemptIds = false;
      this.resumedRepairs = rebuilt.pendingRepairs;
      this.nextIteration = context.progress.attempts + 1;
    }
    // Spending before the crash still counts against the run's budget.
    if (usage.costUsd > 0 || usage.inputTokens + usage.outputTokens > 0) context.options.meter.record('resumed-run', usage, 'resume');
  }

  /** Takes back the candidates the checkpoint's run had proposed: they count as proposed (children, pending hashes). */
  private async restoreWindow(checkpoint: EngineCheckpoint): Promise<Candidate[]> {
    const context = this.context;
    for (const saved of checkpoint.window ?? []) {
      const candidate = await restoreCandidate(context, saved);
      context.database.noteChild(candidate.parent.id);
      if (candidate.kind === 'evaluate') context.pendingHashes.add(candidate.fingerprint.contentHash);
      this.window.push(candidate);
    }
    this.nextIteration = checkpoint.nextIteration ?? context.progress.attempts + 1;
    return this.window;
  }

  /** Children left waiting for a repair by a killed run: repaired first now, or failures at once when no repair can run. */
  private settleResumedRepairs(): void {
    const context = this.context;
    for (const pending of this.resumedRepairs) context.repairs.defer(pending);
    this.resumedRepairs = [];
    if (context.canRepair) return;
    for (const pending of context.repairs.leftovers()) finishRepair(context, pending, null, false, context.progress.attempts);
  }

  private async evaluateInitial(): Promise<void> {
    const context = this.context;
    const { problem, runId } = context.options;
    const base: AttemptBase = {
      id: context.programId(0),
      runId,
      parentId: null,
      inspirationIds: [],
      island: 0,
      generation: 0,
      operator: initialOperator,
      model: null,
      proposeMs: 0,
      createdAt: context.clock.now(),
    };
    const first = await this.runEvaluator(problem.files, base.id);
    // Evaluated twice, to find out from evidence whether the evaluator gives one program one score.
    const results = context.noise.checksInitial && first.ok && !context.abort.signal.aborted ? [first, await this.runEvaluator(problem.files, base.id)] : [first];
    if (context.abort.signal.aborted) return;
    const result = context.noise.judgeInitial(results);
    if (context.noise.noisy) {
      const scores = results.map((evaluated) => evaluated.score).join(' and ');
      context.emit({ type: 'notice', runId, level: 'info', message: `the evaluator is noisy (the initial program scored ${scores}): a child that would become the best is evaluated ${context.noise.repeats} more times and scored by the mean` });
    }
    const fingerprint = fingerprintText(context.loader.textOf(problem.files));
    const record = await recordEvaluation(context, { base, candidate: null, files: problem.files, fingerprint, result, evaluateMs: 0, queuedMs: 0 });
    this.noteMissingObjectives(record);
    await this.afterRecord(record);
  }

  /** Says once, at the initial program, when its evaluation lacks an objective: a misspelt metric would otherwise leave the front empty without a word. */
  private noteMissingObjectives(record: ProgramRecord): void {
    const front = this.context.database.front;
    if (front === undefined || record.score === null) return;
    const missing = front.missingMetrics(record.score, record.metrics);
    if (missing.length === 0) return;
    const message = `the initial program's metrics have no number for ${missing.join(', ')} (settings.objectives): a program without every objective is not on the Pareto front, and parents are drawn by score until one is`;
    this.context.emit({ type: 'notice', runId: record.runId, level: 'warning', message });
  }

  /** Whether attempt `iteration` may start: no stop requested, within the iteration and wall-time budgets. */
  private mayStart(iteration: number, idle: boolean): boolean {
    const context = this.context;
    if (context.stopReason !== null) return false;
    const limited = iterationLimitStop(context.options.limits, iteration, context.clock.now() - context.startedAt, idle);
    if (limited?.stop) context.requestStop(limited.stop.reason, limited.stop.message);
    return limited === undefined;
  }

  private async proposeInOrder(iteration: number): Promise<Candidate | undefined> {
    const candidate = await proposeCandidate(this.context, iteration);
    this.nextIteration = iteration + 1;
    if (candidate !== undefined) this.window.push(candidate);
    return candidate;
  }

  /** Unseeded: a rejected proposal is recorded at once, and only novel children go on to evaluation. */
  private async proposeAndRecordRejection(iteration: number): Promise<EvaluationCandidate | undefined> {
    const candidate = await proposeCandidate(this.context, iteration);
    if (candidate?.kind !== 'rejected') return candidate;
    await this.afterRecord(await recordRejection(this.context, candidate));
    return undefined;
  }

  private async evaluate(candidate: EvaluationCandidate): Promise<void> {
    try {
      const evaluated = await this.runCandidate(candidate);
      // Abandoned by stop(): not recorded, so a resumed run proposes afresh instead of trusting it.
      if (this.context.abort.signal.aborted) return;
      await this.afterRecord(await this.recordEvaluated(candidate, evaluated));
    } finally {
      // Pending until recorded (in the database or the failed set), so no identical child slips through meanwhile.
      this.context.pendingHashes.delete(candidate.fingerprint.contentHash);
    }
  }

  /** Seeded: applies the window's oldest candidate, whose turn it is. */
  private async applyInOrder(candidate: Candidate, evaluated: Evaluated | null): Promise<void> {
    this.window.splice(this.window.indexOf(candidate), 1);
    const record = candidate.kind === 'evaluate' ? await this.recordEvaluated(candidate, evaluated!) : await recordRejection(this.context, candidate);
    await this.afterRecord(record);
  }

  private recordEvaluated(candidate: EvaluationCandidate, evaluated: Evaluated): Promise<ProgramRecord> {
    const { base, proposal, fingerprint } = candidate;
    const { result, evaluateMs, queuedMs } = evaluated;
    return recordEvaluation(this.context, { base, candidate, files: proposal.files, fingerprint, result, evaluateMs, queuedMs });
  }

  /** Runs a candidate's evaluation; records nothing (a seeded run applies results in attempt order). */
  private async runCandidate(candidate: EvaluationCandidate): Promise<Evaluated> {
    const began = this.context.clock.now();
    // A candidate a resumed run took back from its window waited only since this process started.
    const proposed = Math.max(candidate.base.createdAt + candidate.base.proposeMs, this.context.startedAt);
    let result = await this.runEvaluator(candidate.proposal.files, candidate.base.id);
    const { noise, database, abort } = this.context;
    if (noise.shouldRepeat(result, database.best()?.score ?? null)) {
      // A noisy evaluator's lucky draw must not become the incumbent: the mean of repeats decides.
      const results = [result];
      for (let repeat = 0; repeat < noise.repeats && !abort.signal.aborted; repeat += 1) results.push(await this.runEvaluator(candidate.proposal.files, candidate.base.id));
      result = noise.combine(results);
    }
    // Kept apart from the evaluation, so the time a candidate waited for a slot never counts as a busy slot.
    return { result, queuedMs: Math.max(0, began - proposed), evaluateMs: this.context.clock.now() - began };
  }

  /** An evaluator that throws (a bug, a vanished interpreter) gives a failed evaluation, not a dead run. */
  private async runEvaluator(files: Record<string, string>, candidateId: string): Promise<EvaluationResult> {
    const { clock, options, abort } = this.context;
    const began = clock.now();
    try {
      return await options.evaluator.evaluate(files, { signal: abort.signal, runId: options.runId, candidateId });
    } catch (error) {
      const message = `the evaluator threw: ${toLamarckError(error).message}`;
      return { ok: false, score: null, metrics: {}, artifacts: { error: message }, failure: { kind: 'crash', message }, stages: 0, durationMs: clock.now() - began };
    }
  }

  /**
   * After an attempt was applied. Unseeded: its record is stored already; the state is checkpointed
   * every few records. Seeded: the checkpoint of the state as of this result (with the insights a
   * refresh it started gives) is written first, then the record, and the next proposal waits for
   * both, so a kill at any point leaves a checkpoint and records that agree (or differ by the one
   * record the checkpoint holds).
   */
  private async afterRecord(record: ProgramRecord): Promise<void> {
    const context = this.context;
    const { store, runId, settings } = context.options;
    if (!context.ordered) {
      if (context.progress.records - this.lastCheckpointAt < settings.checkpointEvery) return;
      this.lastCheckpointAt = context.progress.records;
      context.log.enqueue(() => this.writeCheckpoint());
      return;
    }
    await context.insightsSchedule.settled();
    const checkpoint = this.capture({ window: this.window.map(saveCandidate), nextIteration: this.nextIteration, pendingRecord: record });
    context.log.enqueue(() => saveCheckpoint(store, runId, checkpoint));
    context.log.enqueue(async () => context.loader.remember(await store.putProgram(record)));
    await context.log.settled();
  }

  private capture(resumePoint?: ResumePoint): EngineCheckpoint {
    const context = this.context;
    const state = { recorded: context.progress.records, random: context.random, insights: context.insights, savedAt: context.clock.now() };
    return captureCheckpoint(context.checkpointedParts(), state, resumePoint);
  }

  /** The checkpoint of the state now: a seeded run's holds its window (this is called only where that is exact). */
  private async writeCheckpoint(): Promise<void> {
    const context = this.context;
    const resumePoint = context.ordered ? { window: this.window.map(saveCandidate), nextIteration: this.nextIteration, pendingRecord: null } : undefined;
    await saveCheckpoint(context.options.store, context.options.runId, this.capture(resumePoint));
  }

  private summary(): EvolveSummary {
    const context = this.context;
    const reason = context.stopReason ?? 'iterations';
    const { inputTokens, outputTokens, costUsd } = context.options.meter.totals();
    const unrepaired = context.repairs.leftovers().map((pending) => pending.failureKind);
    const durationMs = context.clock.now() - context.startedAt;
    const usage = { inputTokens, outputTokens, costUsd };
    const summary = context.progress.summary({ status: summaryStatus(reason), stopReason: reason, message: context.stopMessage, durationMs, usage, resumed: context.options.resume, unrepaired, front: context.database.front?.summary() ?? null });
    const cascade = context.routes?.summary();
    return cascade === undefined ? summary : { ...summary, cascade };
  }

  /** The cascade's routes as the library holds them when the run starts (a resumed run's checkpoint overrides them). */
  private async startRoutes(): Promise<void> {
    const { routes, options } = this.context;
    if (routes === undefined || options.routeBook === undefined) return;
    const operators = this.context.eligibleOperators.filter((operator) => operator.needsModel).map((operator) => operator.name);
    try {
      routes.start(await options.routeBook.read(operators));
    } catch (error) {
      this.context.emit({ type: 'notice', runId: options.runId, level: 'warning', message: `the cascade's routes could not be read, so every operator starts cheap-first: ${toLamarckError(error).message}` });
    }
  }

  /** Adds what this run learned about each operator's route to the library, once (a resumed run adds only what came after). */
  private async commitRoutes(): Promise<void> {
    const { routes, options } = this.context;
    if (routes === undefined || options.routeBook === undefined) return;
    const scope = checkpointScope(options.runId);
    try {
      const committed = await options.store.getState(scope, committedRoutesKey);
      const added = routes.addedSince(committed === undefined ? undefined : countsFromJson(committed));
      if (Object.keys(added).length === 0) return;
      await options.routeBook.commit(added, { runId: options.runId, routeAfterFailures: options.settings.routeAfterFailures });
      await options.store.putState(scope, committedRoutesKey, routes.counts() as unknown as JsonObject);
    } catch (error) {
      this.context.emit({ type: 'notice', runId: options.runId, level: 'warning', message: `the cascade's routes could not be saved to the library: ${toLamarckError(error).message}` });
    }
  }
}

export { preEvaluationFailures };
