import type { ProgramRecord } from '../../store/types.ts';
import type { EvolveSummary, StopReason, UsageSummary } from './events.ts';
import type { RebuiltRun } from './rebuild-database.ts';

/** The run's counters (attempts, evaluations, failures by kind, best) and the summary built from them. */
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
  /** Failed children whose repair succeeded: not failures. */
  repaired = 0;
  initialScore: number | null = null;
  best: { id: string; score: number } | null = null;

  constructor(runId: string, problem: string) {
    this.runId = runId;
    this.problem = problem;
  }

  restore(rebuilt: RebuiltRun): void {
    this.records = rebuilt.records;
    this.attempts = rebuilt.attempts;
    this.evaluations = rebuilt.evaluations;
    this.failures = { ...rebuilt.failures };
    this.repaired = rebuilt.repaired;
    this.initialScore = rebuilt.initial?.score ?? null;
    this.best = rebuilt.best;
  }

  /** `deferFailure`: the record failed but waits for its repair; `countFailure` scores it later. */
  recordAttempt(record: ProgramRecord, options: { evaluated: boolean; initial: boolean; deferFailure?: boolean }): void {
    this.records += 1;
    if (!options.initial) this.attempts += 1;
    if (options.evaluated) {
      this.evaluations += 1;
      this.evaluationsHere += 1;
    }
    if (options.initial) this.initialScore = record.score;
    if (record.failure !== null && options.deferFailure !== true) this.countFailure(record.failure.kind);
    if (record.score !== null && (this.best === null || record.score > this.best.score)) this.best = { id: record.id, score: record.score };
  }

  countFailure(kind: string): void {
    this.failures[kind] = (this.failures[kind] ?? 0) + 1;
  }

  summary(options: {
    status: EvolveSummary['status'];
    stopReason: StopReason;
    message: string | null;
    durationMs: number;
    usage: UsageSummary;
    resumed: boolean;
    /** Failure kinds of children still waiting for a repair when the run ended: failures as far as this run went. */
    unrepaired: readonly string[];
  }): EvolveSummary {
    const failures = { ...this.failures };
    for (const kind of options.unrepaired) failures[kind] = (failures[kind] ?? 0) + 1;
    return {
      runId: this.runId,
      problem: this.problem,
      status: options.status,
      stopReason: options.stopReason,
      message: options.message,
      bestProgramId: this.best?.id ?? null,
      bestScore: this.best?.score ?? null,
      initialScore: this.initialScore,
      iterations: this.attempts,
      evaluations: this.evaluations,
      failures,
      repaired: this.repaired,
      usage: options.usage,
      durationMs: options.durationMs,
      evaluationsPerSecond: options.durationMs > 0 ? (this.evaluationsHere * 1000) / options.durationMs : 0,
      resumed: options.resumed,
    };
  }
}
