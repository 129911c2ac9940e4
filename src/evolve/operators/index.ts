export {
  createLlmDiffOperator,
  createLlmRewriteOperator,
  createLlmCrossoverOperator,
  createRepairOperator,
  type LlmOperatorOptions,
} from './llm-operators.ts';
export { createNumericTuneOperator, OperatorNotApplicableError, type NumericTuneOptions } from './numeric-tune.ts';
export { applyDiff, applyDiffReply, type ApplyDiffOptions, type ApplyDiffResult, type AppliedEdit } from './apply-diff.ts';
export { applyRewriteReply, extractFences } from './apply-rewrite.ts';
export { parseSearchReplace, type SearchReplaceEdit } from './parse-search-replace.ts';
export { scanNumericLiterals, writeNumericLiterals, type NumericLiteral, type LiteralScan } from './numeric-literals.ts';
export { SepCmaEs, type ScoredSample } from './sep-cma-es.ts';
export { ProposalRejectedError } from './proposal-error.ts';
export { unifiedDiffOfFile, unifiedDiffOfFiles } from './unified-diff.ts';
export { createReflectiveOperator, reflectiveOperatorName } from './reflective-operator.ts';
export { failingCasesOf, defaultReflection, type ReflectionSettings } from './reflective-cases.ts';
