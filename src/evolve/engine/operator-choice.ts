import { ConfigError } from '../../core/errors.ts';
import { isJsonObject, type JsonObject } from '../../core/json.ts';
import type { Random } from '../../core/random.ts';
import type { ProgramDatabase } from '../database/program-database.ts';
import { createModelBandit, type ModelBandit } from '../model-bandit.ts';
import type { ParentChoice } from '../select-parent.ts';
import type { Operator } from '../types.ts';
import { defaultOperatorWeights } from './engine-settings.ts';
import { repairOperatorName } from './repair-queue.ts';

/**
 * Which operator makes the next child, by what operators declare (`requires.parents`) and the
 * configured weights, never by their names (except the repair operator, which the engine itself
 * schedules for a failed parent).
 */
export function operatorWeight(operator: Operator, weights: Readonly<Record<string, number>>): number {
  return weights[operator.name] ?? 1;
}

/**
 * A weight in `settings.operators` must name an operator the run knows (a standard one, or one the
 * caller brought): a misspelt name would otherwise leave the intended operator at its default
 * weight without a word.
 */
export function assertKnownOperatorWeights(settings: JsonObject, operators: readonly Operator[]): void {
  const weights = settings['operators'];
  if (!isJsonObject(weights)) return;
  const known = new Set([...Object.keys(defaultOperatorWeights), ...operators.map((operator) => operator.name)]);
  for (const name of Object.keys(weights)) {
    if (!known.has(name)) throw new ConfigError(`settings.operators.${name}`, `unknown operator (known: ${[...known].sort().join(', ')})`, { source: 'lamarck.json' });
  }
}

/** An operator that combines two parents, as it declares (`requires.parents`). */
export function needsSecondParent(operator: Operator): boolean {
  return (operator.requires?.parents ?? 1) >= 2;
}

/** An operator that reads the parent's failing cases, as it declares (`requires.feedback`). */
export function needsFeedback(operator: Operator): boolean {
  return operator.requires?.feedback === true;
}

/** What the parent offers beyond itself: a second, different program on its island; failing cases from its evaluation. */
export interface ParentOffers {
  hasPartner: boolean;
  hasFeedback: boolean;
}

/**
 * An operator runs only where it can: a two-parent one when the parent's island holds another,
 * different program; a reflective one when the parent's evaluation reported failing cases.
 */
export function chooseOperator(
  eligible: readonly Operator[],
  weights: Readonly<Record<string, number>>,
  random: Random,
  choice: ParentChoice,
  offers: ParentOffers,
  mix?: ModelBandit,
): Operator {
  if (choice.failed) return eligible.find((operator) => operator.name === repairOperatorName)!;
  const candidates = eligible.filter(
    (operator) => operator.name !== repairOperatorName && (offers.hasPartner || !needsSecondParent(operator)) && (offers.hasFeedback || !needsFeedback(operator)),
  );
  if (mix !== undefined) {
    // The adaptive mix (settings.operatorMix): a bandit over the operators that can run here.
    const names = new Set(candidates.filter((operator) => operatorWeight(operator, weights) > 0).map((operator) => operator.name));
    const chosen = candidates.find((operator) => operator.name === mix.choose(random, (name) => names.has(name)));
    if (chosen !== undefined) return chosen;
  }
  return candidates[random.weightedIndex(candidates.map((operator) => operatorWeight(operator, weights)))]!;
}

/** Second parents: the best members of the parent's island with other code. */
export function secondParentCandidates(database: ProgramDatabase, parentId: string, islandIndex: number): string[] {
  const island = database.island(islandIndex);
  const parentHash = island.placementOf(parentId)?.info.fingerprint.contentHash;
  return island
    .top(16)
    .filter((placement) => placement.info.id !== parentId && placement.info.fingerprint.contentHash !== parentHash)
    .map((placement) => placement.info.id);
}

/**
 * The adaptive operator mix: a UCB bandit whose reward is whether a call improved on its parent (a
 * rate, not a size: late improvements are small but still worth buying), less a share of the call's
 * cost. A rejected or failed proposal earns nothing, so operators that waste calls lose their share.
 * Undefined when fewer than two operators can be mixed.
 */
export function createOperatorMix(eligible: readonly Operator[], weights: Readonly<Record<string, number>>): ModelBandit | undefined {
  const mixed = eligible.filter((operator) => operator.name !== repairOperatorName && operatorWeight(operator, weights) > 0);
  if (mixed.length < 2) return undefined;
  return createModelBandit({
    models: mixed.map((operator) => operator.name),
    weights: mixed.map((operator) => operatorWeight(operator, weights)),
    ...operatorMixSettings,
  });
}

/** The operator mix's bandit settings (the cost coefficient is the bandit's default). */
export const operatorMixSettings = { epsilon: 0.2, exploration: 0.5, countImprovements: true } as const;
