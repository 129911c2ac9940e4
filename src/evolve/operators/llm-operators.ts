import { ModelOutputError } from '../../core/errors.ts';
import { buildMutationPrompt, type PromptBudget } from '../prompt/build-prompt.ts';
import { operatorSpecificationVersion, type Operator, type OperatorContext, type CandidateProposal } from '../types.ts';
import { applyDiffReply } from './apply-diff.ts';
import { applyRewriteReply } from './apply-rewrite.ts';
import { askModel, type ModelAnswer } from './ask-model.ts';
import { ProposalRejectedError } from './proposal-error.ts';
import { unifiedDiffOfFiles } from './unified-diff.ts';

/**
 * The model-using operators. Each builds its prompt, asks `context.model` once (purpose `mutate`),
 * and applies the reply to the parent inside its EVOLVE-BLOCKs. An unusable reply throws
 * ProposalRejectedError (a ModelOutputError) carrying the reason, prompt, reply and usage.
 */
export interface LlmOperatorOptions {
  budget?: Partial<PromptBudget>;
  temperature?: number;
}

type Kind = 'diff' | 'rewrite' | 'crossover' | 'repair';

const searchReplaceLine = /^[ \t]*<{5,}[ \t]*SEARCH[ \t]*$/m;

function createLlmOperator(name: string, kind: Kind, form: 'diff' | 'rewrite', options: LlmOperatorOptions): Operator {
  return {
    specificationVersion: operatorSpecificationVersion,
    name,
    needsModel: true,
    ...(kind === 'crossover' ? { requires: { parents: 2 } } : {}),
    async propose(context: OperatorContext): Promise<CandidateProposal> {
      if (kind === 'crossover' && context.otherParent === undefined) {
        throw new ModelOutputError('crossover needs a second parent (otherParent)', { code: 'crossover-without-partner' });
      }
      const built = buildMutationPrompt(kind, form, context, options.budget ?? {});
      const answer = await askModel(name, context, built, options.temperature);
      return proposalFromAnswer(name, form, context, answer);
    },
  };
}

/**
 * The child a model's reply describes, applied to the parent inside its EVOLVE-BLOCKs: SEARCH/REPLACE
 * edits for `diff`, fenced block bodies for `rewrite`. An unusable reply (cut off, not applicable,
 * no change) throws ProposalRejectedError with the prompt, reply and usage.
 */
export function proposalFromAnswer(name: string, form: 'diff' | 'rewrite', context: OperatorContext, answer: ModelAnswer): CandidateProposal {
  let files: Record<string, string>;
  try {
    if (answer.finishReason === 'length') {
      // A cut-off reply may end mid-edit: an unclosed fence or half a REPLACE would apply as if whole.
      throw new ModelOutputError('the reply was cut off at the output token limit (finish reason "length"); a partial reply is not applied', {
        code: 'reply-truncated',
      });
    }
    // A model asked for a rewrite that answers with SEARCH/REPLACE blocks has still said what to
    // change; applying them is worth more than discarding a paid reply.
    files =
      form === 'diff' || searchReplaceLine.test(answer.text)
        ? applyDiffReply(context.parent.files, answer.text, { evolvableFiles: context.problem.evolvableFiles }).files
        : applyRewriteReply(context.parent.files, answer.text, { evolvableFiles: context.problem.evolvableFiles });
    if (sameFiles(files, context.parent.files)) {
      throw new ModelOutputError('the edits leave the program unchanged', { code: 'proposal-unchanged' });
    }
  } catch (error) {
    if (error instanceof ModelOutputError) {
      throw new ProposalRejectedError({ cause: error, operator: name, model: answer.model, prompt: answer.promptRecord, reply: answer.text, usage: answer.usage });
    }
    throw error;
  }
  return {
    files,
    diff: unifiedDiffOfFiles(context.parent.files, files),
    operator: name,
    model: answer.model,
    prompt: answer.promptRecord,
    reply: answer.text,
    usage: answer.usage,
  };
}

/** SEARCH/REPLACE edits of the parent. */
export function createLlmDiffOperator(options: LlmOperatorOptions = {}): Operator {
  return createLlmOperator('llm-diff', 'diff', 'diff', options);
}

/** A full rewrite of the parent's EVOLVE-BLOCK interiors. */
export function createLlmRewriteOperator(options: LlmOperatorOptions = {}): Operator {
  return createLlmOperator('llm-rewrite', 'rewrite', 'rewrite', options);
}

/** Combines `parent` and `otherParent` into a rewrite of the parent's blocks. */
export function createLlmCrossoverOperator(options: LlmOperatorOptions = {}): Operator {
  return createLlmOperator('llm-crossover', 'crossover', 'rewrite', options);
}

/**
 * Fixes a child that failed: `parent` is the failed program (its `failure` and error artifacts
 * are shown to the model) and the reply is a diff of it.
 */
export function createRepairOperator(options: LlmOperatorOptions = {}): Operator {
  return createLlmOperator('repair', 'repair', 'diff', options);
}

function sameFiles(left: Readonly<Record<string, string>>, right: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => left[key] === right[key]);
}
