import type { EnsembleMember, UsageMeter } from '../../model/types.ts';
import { createEvaluator } from '../evaluate/index.ts';
import { createBanditModelChooser } from '../model-bandit.ts';
import { createLlmCrossoverOperator, createLlmDiffOperator, createLlmRewriteOperator, createNumericTuneOperator, createReflectiveOperator, createRepairOperator } from '../operators/index.ts';
import { createInsightsRefresher } from '../prompt/index.ts';
import type { Evaluator, Operator, Problem } from '../types.ts';
import type { InsightsRefresher, ModelChooser } from './collaborators.ts';

/**
 * What `evolve()` uses when the caller does not bring its own: the problem's sandboxed evaluator,
 * the standard operators, the cost-aware model bandit and the insights refresher.
 */
export function defaultCollaborators(options: {
  problem: Problem;
  models: readonly EnsembleMember[];
  meter: UsageMeter;
  needEvaluator: boolean;
  needOperators: boolean;
}): { evaluator?: Evaluator; operators?: Operator[]; chooser?: ModelChooser; insights?: InsightsRefresher } {
  return {
    ...(options.needEvaluator ? { evaluator: createEvaluator(options.problem) } : {}),
    ...(options.needOperators ? { operators: standardOperators() } : {}),
    ...(options.models.length > 0 ? { chooser: createBanditModelChooser(options.models), insights: createInsightsRefresher(options.problem) } : {}),
  };
}

/**
 * LLM diff, rewrite, crossover, repair and reflective mutation (used when a model is configured;
 * reflection only on parents with failing cases), and model-free numeric tuning.
 */
export function standardOperators(): Operator[] {
  return [createLlmDiffOperator(), createLlmRewriteOperator(), createLlmCrossoverOperator(), createRepairOperator(), createNumericTuneOperator(), createReflectiveOperator()];
}
