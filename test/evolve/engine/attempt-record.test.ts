import { describe, expect, it } from 'vitest';
import { BudgetExceededError, ModelCallError, ModelOutputError, SandboxError } from '../../../src/core/errors.ts';
import { classifyProposalError, spentProposal } from '../../../src/evolve/engine/attempt-record.ts';
import { OperatorNotApplicableError, ProposalRejectedError } from '../../../src/evolve/operators/index.ts';

describe('classifying failed proposals', () => {
  it('maps each error to the failure kind it is recorded with', () => {
    expect(classifyProposalError(new ModelOutputError('SEARCH block 1 does not match')).kind).toBe('apply-failed');
    expect(classifyProposalError(new ModelCallError({ message: '503', statusCode: 503, isRetryable: true })).kind).toBe('model-error');
    expect(classifyProposalError(new SandboxError('x', 'disk full')).kind).toBe('model-error');
    expect(classifyProposalError(new OperatorNotApplicableError('numeric-tune', 'no literals')).kind).toBe('not-applicable');
    expect(classifyProposalError(new TypeError('bug')).kind).toBe('operator-error');
    const budget = classifyProposalError(new BudgetExceededError('usd', 1, 1.2));
    expect(budget.kind).toBe('budget');
    expect(budget.budget?.kind).toBe('usd');
  });

  it('keeps the prompt, reply and cost of a rejected reply', () => {
    const error = new ProposalRejectedError({
      cause: new ModelOutputError('edit outside the EVOLVE-BLOCK'),
      operator: 'llm-diff',
      model: 'scripted:m',
      prompt: 'the prompt',
      reply: 'the reply',
      usage: { inputTokens: 5, outputTokens: 7, costUsd: 0.01 },
    });
    expect(classifyProposalError(error).kind).toBe('apply-failed');
    expect(spentProposal(error, 'llm-diff')).toMatchObject({ model: 'scripted:m', prompt: 'the prompt', reply: 'the reply', usage: { costUsd: 0.01 } });
    expect(spentProposal(new Error('x'), 'llm-diff')).toBeNull();
  });
});
