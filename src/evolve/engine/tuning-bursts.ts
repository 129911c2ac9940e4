import type { OperatorYield } from './operator-yield.ts';

/**
 * Hybrid bursts: when a model-written child becomes its island's best, the numeric tuner polishes
 * it for a few steps before the model is asked again. A model finds a new structure; its constants
 * are rarely the best for it, and tuning them costs no model call. How long a burst runs follows
 * which of the two is improving: the tuner's improvements per proposal against the model's, from
 * the run's own yield counts, so the budget moves to whichever is paying off.
 */
export interface TuningBurstSettings {
  /** Steps of a burst when tuner and model improve equally often. 0 turns bursts off. */
  baseLength: number;
  /** Bounds on a burst's length however lopsided the yields are. */
  minLength: number;
  maxLength: number;
}

export const defaultTuningBursts: TuningBurstSettings = { baseLength: 6, minLength: 2, maxLength: 24 };

export interface BurstStep {
  programId: string;
  island: number;
}

interface Burst extends BurstStep {
  remaining: number;
}

export class TuningBursts {
  private readonly settings: TuningBurstSettings;
  private queue: Burst[] = [];

  constructor(settings: TuningBurstSettings = defaultTuningBursts) {
    this.settings = settings;
  }

  /** Called for each evaluated child: a model child that is now its island's best starts a burst on it. */
  onEvaluated(child: { id: string; island: number; operator: string; isIslandBest: boolean }, yields: Readonly<Record<string, OperatorYield>>): void {
    if (this.settings.baseLength <= 0 || !child.isIslandBest || !child.operator.startsWith('llm-')) return;
    // A newer best on the same island supersedes the burst on the old one.
    this.queue = this.queue.filter((burst) => burst.island !== child.island);
    this.queue.push({ programId: child.id, island: child.island, remaining: this.lengthFor(yields) });
  }

  /** The next burst step, if any (each call uses one step). */
  next(): BurstStep | undefined {
    const burst = this.queue[0];
    if (burst === undefined) return undefined;
    burst.remaining -= 1;
    if (burst.remaining <= 0) this.queue.shift();
    return { programId: burst.programId, island: burst.island };
  }

  get pending(): number {
    return this.queue.reduce((sum, burst) => sum + burst.remaining, 0);
  }

  /** Burst length scaled by (tuner improvements per proposal) / (model improvements per proposal), with +1 smoothing. */
  lengthFor(yields: Readonly<Record<string, OperatorYield>>): number {
    let tunerImproved = 0;
    let tunerProposed = 0;
    let modelImproved = 0;
    let modelProposed = 0;
    for (const [operator, counts] of Object.entries(yields)) {
      if (operator === 'numeric-tune') {
        tunerImproved += counts.improved;
        tunerProposed += counts.proposed;
      } else if (operator.startsWith('llm-')) {
        modelImproved += counts.improved;
        modelProposed += counts.proposed;
      }
    }
    const tunerRate = (tunerImproved + 1) / (tunerProposed + 2);
    const modelRate = (modelImproved + 1) / (modelProposed + 2);
    const length = Math.round(this.settings.baseLength * (tunerRate / modelRate));
    return Math.max(this.settings.minLength, Math.min(this.settings.maxLength, length));
  }

  saveState(): { programId: string; island: number; remaining: number }[] {
    return this.queue.map((burst) => ({ ...burst }));
  }

  restoreState(saved: unknown): void {
    this.queue = Array.isArray(saved)
      ? saved
          .filter((entry): entry is Burst => typeof entry === 'object' && entry !== null && typeof (entry as Burst).programId === 'string')
          .map((entry) => ({ programId: entry.programId, island: Number(entry.island), remaining: Math.max(1, Number(entry.remaining)) }))
      : [];
  }
}
