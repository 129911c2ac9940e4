import type { ProgramRecord } from '../../store/types.ts';
import type { ParetoFrontSummary } from '../database/pareto-front.ts';
import type { EvolveSummary, RunTotals, EvolveStopReason, UsageSummary } from './events.ts';
import { rejectionKinds } from './failure-kinds.ts';
import { OperatorYieldTally } from './operator-yield.ts';
import type { RebuiltRun } from './rebuild-database.ts';

export { rejectionKinds };

/** The run's counters (attempts, evaluations, failures and rejections by kind, best) and the summary built from them. */
export class RunProgress {
  readonly runId: string;
  readonly problem: string;
  /** Stored records, the initial program included. */
  records = 0;
  /** Child attempts stored. */
  attempts = 0;
  evaluations = 0;
  /** Evaluations run by this process (for the rate; resumed ones are not timed here). */
  evaluationsHere = 0;
  failures: Record<string, number> = {};
  rejections: Record<string, number> = {};
  /** The latest message of each failure or rejection kind, so a summary can say what went wrong. */
  latestMessages: Record<string, string> = {};
  /** Failed children whose repair succeeded: not failures. */
  repaired = 0;
  initialScore: number | null = null;
  best: { id: string; score: number } | null = null;
  operatorYield = new OperatorYieldTally();

  constructor(runId: string, problem: string) {
    this.runId = runId;
    this.problem = problem;
  }

  restore(rebuilt: RebuiltRun): void {
    this.records = rebuilt.records;
    this.attempts = rebuilt.attempts;
    this.evaluations = rebuilt.evaluations;
    this.failures = {};
    this.rejections = {};
    for (const [kind, count] of Object.entries(rebuilt.failures)) this.tally(kind, count);
    this.latestMessages = { ...rebuilt.latestMessages };
    this.repaired = rebuilt.repaired;
    this.initialScore = rebuilt.initial?.score ?? null;
    this.best = rebuilt.best;
    this.operatorYield = rebuilt.operatorYield;
  }

  /** `deferFailure`: the record failed but waits for its repair; `countFailure` scores it later. */
  recordAttempt(record: ProgramRecord, options: { evaluated: boolean; initial: boolean; deferFailure?: boolean; parentScore?: number | null }): void {
    this.records += 1;
    if (!options.initial) this.attempts += 1;
    if (options.evaluated) {
      this.evaluations += 1;
      this.evaluationsHere += 1;
    }
    if (options.initial) this.initialScore = record.score;
    if (record.failure !== null) this.latestMessages[record.failure.kind] = record.failure.message;
    if (record.failure !== null && options.deferFailure !== true) this.countFailure(record.failure.kind);
    if (record.score !== null && (this.best === null || record.score > this.best.score)) this.best = { id: record.id, score: record.score };
    if (!options.initial) {
      this.operatorYield.record(
        record.operator,
        record.failure === null
          ? { failureKind: null, score: record.score, parentScore: options.parentScore ?? null }
          : { failureKind: record.failure.kind, deferred: options.deferFailure === true },
      );
    }
  }

  /** Counts a failure, or a rejection when the kind is one (see rejectionKinds); `operator` for a deferred one scored now. */
  countFailure(kind: string, operator?: string): void {
    this.tally(kind, 1);
    if (operator !== undefined) this.operatorYield.countFailure(operator, kind);
  }

  /** Failures only, rejections not included. */
  get failureCount(): number {
    return Object.values(this.failures).reduce((sum, count) => sum + count, 0);
  }

  private tally(kind: string, count: number): void {
    const counts = rejectionKinds.has(kind) ? this.rejections : this.failures;
    counts[kind] = (counts[kind] ?? 0) + count;
  }

  /** The running totals events carry; cost and elapsed time come from the meter and the clock. */
  totals(costUsd: number, elapsedMs: number): RunTotals {
    return {
      iterations: this.attempts,
      evaluations: this.evaluations,
      evaluationsHere: this.evaluationsHere,
      failures: this.failureCount,
      bestScore: this.best?.score ?? null,
      costUsd,
      elapsedMs,
    };
  }

  summary(options: {
    status: EvolveSummary['status'];
    stopReason: EvolveStopReason;
    message: string | null;
    durationMs: number;
    usage: UsageSummary;
    resumed: boolean;
    /** Failure kinds of children still waiting for a repair when the run ended: failures as far as this run went. */
    unrepaired: readonly string[];
    front: ParetoFrontSummary | null;
  }): EvolveSummary {
    const failures = { ...this.failures };
    for (const kind of options.unrepaired) failures[kind] = (failures[kind] ?? 0) + 1;
    const latestMessages: Record<string, string> = {};
    for (const kind of [...Object.keys(failures), ...Object.keys(this.rejections)]) {
      const message = this.latestMessages[kind];
      if (message !== undefined) latestMessages[kind] = message;
    }
    return {
      runId: this.runId,
      problem: this.problem,
      status: options.status,
      stopReason: options.stopReason,
      message: options.message,
      bestProgramId: this.best?.id ?? null,
      bestScore: this.best?.score ?? null,
      front: options.front,
      initialScore: this.initialScore,
      iterations: this.attempts,
      evaluations: this.evaluations,
      failures,
      rejections: { ...this.rejections },
      operators: this.operatorYield.toJSON(),
      latestMessages,
      repaired: this.repaired,
      usage: options.usage,
      durationMs: options.durationMs,
      evaluationsPerSecond: options.durationMs > 0 ? (this.evaluationsHere * 1000) / options.durationMs : 0,
      resumed: options.resumed,
    };
  }
}
