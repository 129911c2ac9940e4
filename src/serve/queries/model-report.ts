import type { JsonObject } from '../../core/json.ts';
import { viewBanditState } from '../../evolve/bandit-view.ts';
import { operatorMixSettings } from '../../evolve/engine/operator-choice.ts';
import type { ModelReport } from '../api-types.ts';
import { isScored, type RunPrograms } from '../run-programs.ts';

/**
 * Which models and operators produced what: attempts, evaluations, failures and improvements over
 * the parent per model and per operator, from the index; and, as of the last checkpoint, the arms
 * of the model bandit and of the operator mix, scored with the settings each bandit saved (pulls,
 * mean reward, the UCB exploration bonus, and each arm's chance of the next pick).
 */
export function modelReport(index: RunPrograms, checkpoint: JsonObject | undefined): ModelReport {
  return {
    ...index.memo('models', () => usageByModelAndOperator(index)),
    bandit: viewBanditState(checkpoint?.['models']) ?? null,
    operatorBandit: viewBanditState(checkpoint?.['operatorMix'], operatorMixSettings) ?? null,
  };
}

function usageByModelAndOperator(index: RunPrograms): Omit<ModelReport, 'bandit' | 'operatorBandit'> {
  const models = new Map<string, ModelReport['models'][number]>();
  const operators = new Map<string, { operator: string; attempts: number; evaluated: number; failed: number; improved: number; deltaSum: number; deltaCount: number }>();
  for (const program of index.programs) {
    if (program.parentId === null) continue;
    const parent = index.get(program.parentId);
    const delta = isScored(program) && parent !== undefined && isScored(parent) ? program.score! - parent.score! : null;
    const name = program.model ?? 'model-free';
    const model = models.get(name) ?? { model: name, attempts: 0, evaluated: 0, failed: 0, improved: 0, costUsd: 0, tokensIn: 0, tokensOut: 0 };
    model.attempts += 1;
    if (isScored(program)) model.evaluated += 1;
    else model.failed += 1;
    if (delta !== null && delta > 0) model.improved += 1;
    model.costUsd += program.costUsd;
    model.tokensIn += program.tokensIn;
    model.tokensOut += program.tokensOut;
    models.set(name, model);
    const operator = operators.get(program.operator) ?? { operator: program.operator, attempts: 0, evaluated: 0, failed: 0, improved: 0, deltaSum: 0, deltaCount: 0 };
    operator.attempts += 1;
    if (isScored(program)) operator.evaluated += 1;
    else operator.failed += 1;
    if (delta !== null) {
      operator.deltaSum += delta;
      operator.deltaCount += 1;
      if (delta > 0) operator.improved += 1;
    }
    operators.set(program.operator, operator);
  }
  return {
    models: [...models.values()].sort((left, right) => right.attempts - left.attempts),
    operators: [...operators.values()]
      .sort((left, right) => right.attempts - left.attempts)
      .map(({ deltaSum, deltaCount, ...rest }) => ({ ...rest, meanDelta: deltaCount === 0 ? null : deltaSum / deltaCount })),
  };
}
