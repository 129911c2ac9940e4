export { createEvaluator, type EvaluatorOptions } from './create-evaluator.ts';
export { createEvaluationWorkspace, type EvaluationWorkspace } from './evaluation-workspace.ts';
export { parseEvaluatorOutput, type ParsedEvaluatorOutput } from './parse-evaluator-output.ts';
export { truncateMiddle } from './truncate-text.ts';
