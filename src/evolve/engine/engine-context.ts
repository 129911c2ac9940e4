import { systemClock, type Clock } from '../../core/clock.ts';
import { ConfigError, toLamarckError } from '../../core/errors.ts';
import { createId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import { Random } from '../../core/random.ts';
import { ProgramDatabase } from '../database/program-database.ts';
import type { ModelBandit } from '../model-bandit.ts';
import { NoveltyFilter } from '../novelty.ts';
import type { Operator } from '../types.ts';
import type { CheckpointedParts } from './checkpoint.ts';
import type { ProgramOutcome } from './collaborators.ts';
import type { EngineOptions } from './engine-options.ts';
import { EngineEventLog } from './event-log.ts';
import type { EvolveEvent, RunTotals, EvolveStopReason } from './events.ts';
import { InsightsSchedule } from './insights-schedule.ts';
import { assertKnownOperatorWeights, createOperatorMix, operatorWeight } from './operator-choice.ts';
import { ProgramLoader } from './program-loader.ts';
import { assertInitialProgramFits } from './program-size.ts';
import { ProposalRoutes } from './proposal-routes.ts';
import { RepairQueue, repairOperatorName } from './repair-queue.ts';
import { NoiseGuard } from './noise-guard.ts';
import { RunProgress } from './run-progress.ts';
import { TuningBursts } from './tuning-bursts.ts';
import { UnusableModelWatch } from './unusable-model-watch.ts';

/**
 * Everything one evolution run holds while it runs, shared by its phases: the proposal
 * (propose-candidate.ts), the application of results (apply-outcome.ts) and the orchestrator
 * (evolution-engine.ts). What a resumed run must get back is listed in `checkpointedParts`; the
 * rest is rebuilt from the store's records.
 */
export class EngineContext {
  readonly options: EngineOptions;
  readonly clock: Clock;
  readonly database: ProgramDatabase;
  readonly loader: ProgramLoader;
  readonly novelty: NoveltyFilter;
  readonly bursts = new TuningBursts();
  /** Adapts the operator mix to each operator's improving calls (settings.operatorMix). */
  readonly operatorMix: ModelBandit | undefined;
  /** The model-free tuner, when eligible: hybrid bursts polish model children with it. */
  readonly tuner: Operator | undefined;
  readonly progress: RunProgress;
  readonly abort = new AbortController();
  /** The run's one random stream: every draw of a proposal comes from it, in attempt order. */
  random: Random;
  /** Seeded: proposals one at a time and results applied in attempt order (OrderedScheduler). */
  readonly ordered: boolean;
  /**
   * Program ids named by the run and the attempt number (seeded runs), so a resumed run names its
   * programs as the uninterrupted one would, and prompts that quote ids read the same. Off for a
   * seeded run resumed without an exact checkpoint, whose attempt numbers may repeat stored ones.
   */
  attemptIds: boolean;
  readonly canRepair: boolean;
  readonly eligibleOperators: Operator[];
  /** Content hashes of candidates proposed and not yet recorded, so no identical child slips through meanwhile. */
  readonly pendingHashes = new Set<number>();
  readonly repairs = new RepairQueue();
  /** Why the last attempt from a parent failed to apply, by parent id (fed into the next prompt). */
  readonly applyFailures = new Map<string, string>();
  readonly recentOutcomes: ProgramOutcome[] = [];
  /** Keys of once-per-run notices already given, kept in the checkpoint. */
  readonly noticesGiven = new Set<string>();
  /** Finds out whether the evaluator is noisy, and then re-evaluates would-be incumbents. */
  readonly noise: NoiseGuard;
  insights: string[] = [];
  stopReason: EvolveStopReason | null = null;
  stopMessage: string | null = null;
  startedAt = 0;
  readonly log: EngineEventLog;
  readonly insightsSchedule: InsightsSchedule;
  readonly modelWatch: UnusableModelWatch;
  /** With a strong model to escalate to: which operators go to it at once, and what the cascade did (proposal-routes.ts). */
  readonly routes: ProposalRoutes | undefined;

  constructor(options: EngineOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.random = new Random(options.seed ?? Date.now());
    this.database = new ProgramDatabase(options.settings.database);
    this.noise = new NoiseGuard(options.settings.noise);
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
    this.attemptIds = this.ordered;
    const hasModel = options.chooser !== undefined && options.chooser.models.length > 0;
    this.eligibleOperators = options.operators.filter((operator) => hasModel || !operator.needsModel);
    this.routes = hasModel && options.escalateTo !== undefined ? new ProposalRoutes(options.settings.routeAfterFailures) : undefined;
    this.operatorMix = options.settings.operatorMix === 'adaptive' ? createOperatorMix(this.eligibleOperators, options.settings.operatorWeights) : undefined;
    // Bursts need a model (their children) and a tuner that may run (a zero weight turns it off).
    this.tuner = hasModel ? this.eligibleOperators.find((operator) => operator.name === 'numeric-tune' && this.weightOf(operator) > 0) : undefined;
    this.canRepair = options.settings.repair && hasModel && this.eligibleOperators.some((operator) => operator.name === repairOperatorName);
    assertInitialProgramFits(options.problem.files, options.settings.maxProgramChars);
    assertKnownOperatorWeights(options.problem.settings, options.operators);
    if (this.eligibleOperators.every((operator) => operator.name === repairOperatorName || this.weightOf(operator) <= 0)) {
      throw new ConfigError('settings.operators', 'no operator can run: configure a model or give a model-free operator (numeric-tune) a weight');
    }
  }

  /** The id of attempt `iteration`'s program (0: the initial program). */
  programId(iteration: number): string {
    if (!this.attemptIds) return createId('prg');
    const run = this.options.runId.slice(this.options.runId.indexOf('_') + 1);
    // Zero-padded, so a run's ids sort in attempt order as created ids sort in time.
    return `prg_${run}_${String(iteration).padStart(6, '0')}`;
  }

  weightOf(operator: Operator): number {
    return operatorWeight(operator, this.options.settings.operatorWeights);
  }

  /** The first reason given wins: the run ends for it once what is in flight has ended. */
  requestStop(reason: EvolveStopReason, message: string | null): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.stopMessage = message;
  }

  fail(error: unknown): void {
    this.requestStop('error', toLamarckError(error).message);
    this.abort.abort(error);
  }

  emit(event: EvolveEvent, extra: JsonObject = {}): void {
    this.log.emit(event, extra);
  }

  totals(): RunTotals {
    return this.progress.totals(this.options.meter.totals().costUsd, this.clock.now() - this.startedAt);
  }

  checkpointedParts(): CheckpointedParts {
    const { options } = this;
    return {
      operators: options.operators,
      chooser: options.chooser,
      database: this.database,
      applyFailures: this.applyFailures,
      notices: this.noticesGiven,
      bursts: this.bursts,
      operatorMix: this.operatorMix,
      novelty: this.novelty,
      repairs: this.repairs,
      modelWatch: this.modelWatch,
      routes: this.routes,
    };
  }
}
