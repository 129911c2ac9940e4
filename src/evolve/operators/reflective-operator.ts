import { buildMutationPrompt } from '../prompt/build-prompt.ts';
import { operatorSpecificationVersion, type CandidateProposal, type Operator, type OperatorContext } from '../types.ts';
import { askModel } from './ask-model.ts';
import { proposalFromAnswer, type LlmOperatorOptions } from './llm-operators.ts';
import { OperatorNotApplicableError } from './numeric-tune.ts';

/**
 * Reflective mutation (GEPA: reflection on traces as the mutation operator). The model reads the
 * parent's code with the cases its evaluation failed (for an agent, the failing trajectories),
 * is asked to say why each failed and what one cause explains them, and proposes SEARCH/REPLACE
 * edits inside the EVOLVE-BLOCKs that fix it. The reply goes through the same tolerant parser as
 * llm-diff's, so its diagnosis is text around the edits.
 *
 * It declares `requires.feedback`, so the engine chooses it only for a parent whose evaluation
 * reported failing cases (settings.reflection.artifacts) and hands them over as `failingCases`;
 * anywhere else it would be a diff without the one thing that makes it different.
 */
export const reflectiveOperatorName = 'llm-reflect';

export function createReflectiveOperator(options: LlmOperatorOptions = {}): Operator {
  return {
    specificationVersion: operatorSpecificationVersion,
    name: reflectiveOperatorName,
    needsModel: true,
    requires: { feedback: true },
    async propose(context: OperatorContext): Promise<CandidateProposal> {
      if (context.failingCases === undefined || context.failingCases.cases.length === 0) {
        // Called directly on a parent without feedback (the engine never does): nothing to reflect on.
        throw new OperatorNotApplicableError(reflectiveOperatorName, "it needs the parent's failing cases, and its evaluation reported none");
      }
      const built = buildMutationPrompt('reflect', 'diff', context, options.budget ?? {});
      const answer = await askModel(reflectiveOperatorName, context, built, options.temperature);
      return proposalFromAnswer(reflectiveOperatorName, 'diff', context, answer);
    },
  };
}
