import type { LanguageModelClient, UsageMeter } from '../../model/types.ts';
import type { CandidateProposal } from '../types.ts';
import { classifyProposalError, spentProposal } from './attempt-record.ts';

/**
 * The cascade in evolve's proposal step: the chosen model proposes first; when its reply cannot be
 * used as an edit (`apply-failed`: no edit, an edit outside the blocks, a refusal), the strong model
 * (`escalateTo`) is asked the same thing once. Any other failure (a model error, a budget, an
 * operator that does not apply) is not escalated: a stronger model would not change it. The
 * proposal says which model made it; a failure of the strong model is the attempt's failure.
 * `spent` is told what the first, unusable reply cost (the record keeps the strong model's reply).
 */
export interface EscalationSpent {
  escalated: boolean;
  firstCostUsd: number;
}

export async function proposeWithEscalation(
  propose: (model: LanguageModelClient | undefined) => Promise<CandidateProposal>,
  model: LanguageModelClient | undefined,
  escalateTo: LanguageModelClient | undefined,
  meter: UsageMeter,
  spent: EscalationSpent = { escalated: false, firstCostUsd: 0 },
): Promise<{ proposal: CandidateProposal; model: LanguageModelClient | undefined }> {
  try {
    return { proposal: await propose(model), model };
  } catch (error) {
    const escalate = model !== undefined && escalateTo !== undefined && escalateTo !== model && classifyProposalError(error).kind === 'apply-failed';
    if (!escalate) throw error;
    spent.escalated = true;
    spent.firstCostUsd = spentProposal(error, '')?.usage.costUsd ?? 0;
    meter.beforeCall(escalateTo.spec);
    return { proposal: await propose(escalateTo), model: escalateTo };
  }
}
