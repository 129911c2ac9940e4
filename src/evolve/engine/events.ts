import type { ParetoFrontSummary } from '../database/pareto-front.ts';
import type { EvolveCascadeSummary } from './proposal-routes.ts';
import type { OperatorYield } from './operator-yield.ts';

/**
 * What an evolution run reports while it runs (a discriminated union with noun-verb names) and
 * the summary it ends with. The CLI draws its progress line from these; the dashboard reads the
 * persisted subset from the store's event log.
 */
export type EvolveStopReason =
  | 'iterations'
  | 'wall-time'
  | 'budget-usd'
  | 'budget-tokens'
  | 'budget-calls'
  | 'stopped'
  | 'no-candidates'
  /** Several model calls in a row failed in a way no retry can help (credentials, nothing listening, no model file). */
  | 'model-unusable'
  | 'error';

export interface UsageSummary {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface EvolveSummary {
  runId: string;
  problem: string;
  status: 'finished' | 'stopped' | 'failed';
  stopReason: EvolveStopReason;
  /** A one-line explanation when the run stopped early or failed. */
  message: string | null;
  /** The program with the highest combined_score (also on a run with a Pareto front: `front` lists the trade-offs beside it). */
  bestProgramId: string | null;
  bestScore: number | null;
  /** The Pareto front over `settings.objectives`; null when none are configured. */
  front: ParetoFrontSummary | null;
  initialScore: number | null;
  /** Child attempts recorded (every proposal ends as one stored program: evaluated, failed or rejected). */
  iterations: number;
  /** Evaluations run (the initial program included). */
  evaluations: number;
  /** Failures by kind: evaluations that broke (exit-code, timeout, memory...), model and operator errors. */
  failures: Record<string, number>;
  /** Candidates turned away by kind (novelty-rejected, apply-failed, not-applicable, budget, cascade-rejected). */
  rejections: Record<string, number>;
  /** Per operator: proposed, evaluated, improved on its parent, rejected by reason and failed by kind. */
  operators: Record<string, OperatorYield>;
  /** The latest message of each kind counted in `failures` or `rejections`, e.g. "the evaluator exited with code 2: ...". */
  latestMessages: Record<string, string>;
  /** Children that failed their evaluation and were repaired (not counted in `failures`). */
  repaired: number;
  usage: UsageSummary;
  durationMs: number;
  evaluationsPerSecond: number;
  resumed: boolean;
  /** With a strong model to escalate to: what the cascade did and saved against always-strong (proposal-routes.ts). */
  cascade?: EvolveCascadeSummary;
}

/** Running totals carried by per-candidate events, so a progress line needs no other state. */
export interface RunTotals {
  iterations: number;
  evaluations: number;
  /** Evaluations run by this process since it started (a resumed run's rate counts only these). */
  evaluationsHere: number;
  /** Failures so far (rejections not included). */
  failures: number;
  bestScore: number | null;
  costUsd: number;
  elapsedMs: number;
}

export type EvolveEvent =
  | {
      type: 'run-started';
      runId: string;
      problem: string;
      resumed: boolean;
      iteration: number;
      models: string[];
      operators: string[];
      seed: number | null;
    }
  | {
      type: 'candidate-proposed';
      runId: string;
      iteration: number;
      parentId: string;
      island: number;
      operator: string;
      model: string | null;
      draw: string;
    }
  | {
      type: 'candidate-evaluated';
      runId: string;
      iteration: number;
      programId: string;
      parentId: string | null;
      island: number;
      operator: string;
      ok: boolean;
      score: number | null;
      failure: { kind: string; message: string } | null;
      durationMs: number;
      totals: RunTotals;
    }
  | {
      type: 'candidate-rejected';
      runId: string;
      iteration: number;
      programId: string;
      parentId: string;
      island: number;
      operator: string;
      kind: 'novelty-rejected' | 'apply-failed' | 'not-applicable' | 'model-error';
      message: string;
      totals: RunTotals;
    }
  /** A child failed its evaluation in a repairable way: it is repaired before it is scored. */
  | { type: 'repair-queued'; runId: string; iteration: number; programId: string; failure: { kind: string; message: string } }
  /** The repair of a pending child ended: `repaired` false scores the child as a failure of its kind. */
  | { type: 'repair-finished'; runId: string; iteration: number; programId: string; repairId: string | null; repaired: boolean }
  | { type: 'best-improved'; runId: string; iteration: number; programId: string; score: number; previousScore: number | null }
  | { type: 'islands-migrated'; runId: string; iteration: number; from: number; to: number; programIds: string[] }
  | { type: 'insights-refreshed'; runId: string; iteration: number; insights: string[] }
  | { type: 'notice'; runId: string; level: 'info' | 'warning'; message: string }
  | { type: 'run-finished'; runId: string; summary: EvolveSummary };

export type EvolveEventType = EvolveEvent['type'];
