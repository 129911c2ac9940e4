import { isJsonObject, type JsonObject } from '../../core/json.ts';
import type { ModelReport } from '../api-types.ts';
import { isScored, type RunPrograms } from '../run-programs.ts';

/**
 * Which models and operators produced what: attempts, evaluations, failures and improvements over
 * the parent per model and per operator, from the index; and the model bandit's arms as of the last
 * checkpoint (pulls, mean reward, and the UCB exploration bonus that decides the next pick).
 */
export function modelReport(index: RunPrograms, checkpoint: JsonObject | undefined): ModelReport {
  return { ...index.memo('models', () => usageByModelAndOperator(index)), bandit: banditArms(checkpoint?.['models']) };
}

function usageByModelAndOperator(index: RunPrograms): Omit<ModelReport, 'bandit'> {
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

/**
 * The arms as the bandit scores them (model-bandit.ts): mean reward = normalised improvement −
 * 0.5 × normalised cost (0.5 is the engine's default cost coefficient), bonus = √(2 ln N / n).
 */
function banditArms(state: unknown): ModelReport['bandit'] {
  if (!isJsonObject(state) || !Array.isArray(state['arms'])) return null;
  const maxImprovement = Number(state['maxImprovement'] ?? 0);
  const maxCost = Number(state['maxCost'] ?? 0);
  const arms = state['arms'].filter(isJsonObject).map((arm) => ({
    model: String(arm['model']),
    pulls: Number(arm['pulls'] ?? 0),
    improvementSum: Number(arm['improvementSum'] ?? 0),
    costSum: Number(arm['costSum'] ?? 0),
  }));
  const total = arms.reduce((sum, arm) => sum + arm.pulls, 0);
  return arms.map((arm) => {
    const improvement = arm.pulls > 0 && maxImprovement > 0 ? arm.improvementSum / arm.pulls / maxImprovement : 0;
    const cost = arm.pulls > 0 && maxCost > 0 ? arm.costSum / arm.pulls / maxCost : 0;
    return {
      ...arm,
      meanReward: arm.pulls === 0 ? 0 : improvement - 0.5 * cost,
      bonus: arm.pulls === 0 || total === 0 ? null : Math.sqrt((2 * Math.log(total)) / arm.pulls),
    };
  });
}
