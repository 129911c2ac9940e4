/**
 * Laplace-smoothed utility, as in EvolveR: an unused artifact starts at 0.5, and each use moves it
 * towards its observed success rate without one lucky or unlucky use deciding its fate.
 */
export function utilityScore(counts: { uses: number; successes: number }): number {
  return (counts.successes + 1) / (counts.uses + 2);
}
