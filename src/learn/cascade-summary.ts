import type { CurvePoint } from './learn-events.ts';

/**
 * What a cascade did over a run, from the curve points: how many tasks the cheap model settled,
 * how many escalated and how many went straight to the strong model, what acting cost, and what
 * acting would have cost with the strong model on every task. That last figure is an estimate
 * (the strong model's mean cost per task where it ran, times the tasks), since the strong model
 * did not try the tasks the cheap one settled; undefined when the strong model never ran.
 */
export interface CascadeSummary {
  tasks: number;
  passed: number;
  cheap: number;
  escalated: number;
  routedStrong: number;
  /** Acting cost of the run (cheap and strong attempts). */
  costUsd: number;
  alwaysStrongEstimateUsd?: number;
  savedEstimateUsd?: number;
  /** Kinds of task whose attempts went to the strong model by route. */
  strongKinds: string[];
}

export function summarizeCascade(curves: readonly CurvePoint[]): CascadeSummary | undefined {
  const points = curves.filter((point) => point.cascade !== undefined);
  if (points.length === 0) return undefined;
  const count = (used: 'cheap' | 'escalated' | 'strong'): number => points.filter((point) => point.cascade!.used === used).length;
  const costUsd = points.reduce((total, point) => total + point.cascade!.cheapCostUsd + point.cascade!.strongCostUsd, 0);
  const strongRuns = points.filter((point) => point.cascade!.used !== 'cheap');
  const summary: CascadeSummary = {
    tasks: points.length,
    passed: points.filter((point) => point.passed).length,
    cheap: count('cheap'),
    escalated: count('escalated'),
    routedStrong: count('strong'),
    costUsd,
    strongKinds: [...new Set(points.filter((point) => point.cascade!.used === 'strong').map((point) => point.cascade!.taskKind))].sort(),
  };
  if (strongRuns.length > 0) {
    const meanStrong = strongRuns.reduce((total, point) => total + point.cascade!.strongCostUsd, 0) / strongRuns.length;
    summary.alwaysStrongEstimateUsd = meanStrong * points.length;
    summary.savedEstimateUsd = summary.alwaysStrongEstimateUsd - costUsd;
  }
  return summary;
}
