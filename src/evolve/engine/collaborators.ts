import type { JsonObject } from '../../core/json.ts';
import type { Random } from '../../core/random.ts';
import type { LanguageModelClient, UsageMeter } from '../../model/types.ts';

/**
 * The engine's view of its pluggable helpers: who picks the model for a step, and who distils
 * insights from recent outcomes. `evolve()` adapts the model bandit and the insights module to
 * these; tests pass small fakes.
 */
export interface ModelChooser {
  readonly models: readonly LanguageModelClient[];
  choose(random: Random): LanguageModelClient;
  /** The outcome of a step made with `model` (score null when the child failed). */
  observe(outcome: { model: string; parentScore: number | null; childScore: number | null; costUsd: number }): void;
  saveState?(): JsonObject;
  restoreState?(state: JsonObject): void;
}

export interface ProgramOutcome {
  id: string;
  parentId: string | null;
  operator: string;
  score: number | null;
  parentScore: number | null;
  failure: { kind: string; message: string } | null;
  diff: string;
}

export interface InsightsRefresher {
  /** Returns the new list of insights from recent outcomes and the current list. */
  refresh(input: {
    outcomes: ProgramOutcome[];
    current: string[];
    model: LanguageModelClient | undefined;
    meter: UsageMeter;
    signal: AbortSignal;
  }): Promise<string[]>;
}

/** A chooser by fixed weights (used when no bandit is configured). */
export function createWeightedModelChooser(models: readonly { model: LanguageModelClient; weight: number }[]): ModelChooser {
  return {
    models: models.map((member) => member.model),
    choose(random) {
      return models[random.weightedIndex(models.map((member) => member.weight))]!.model;
    },
    observe() {
      // Fixed weights learn nothing.
    },
  };
}
