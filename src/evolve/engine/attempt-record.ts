import type { JsonObject } from '../../core/json.ts';
import { BudgetExceededError, LamarckError, ModelCallError, ModelOutputError } from '../../core/errors.ts';
import type { ProgramRecord, ProgramStatus } from '../../store/types.ts';
import { isUnusableModelError } from '../../model/unusable-model.ts';
import { replyLimitKinds } from './failure-kinds.ts';
import { ProposalRejectedError } from '../operators/proposal-error.ts';
import type { CandidateProposal } from '../types.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * Building the stored record of one attempt, whatever its end: evaluated, failed in evaluation,
 * failed to apply, model error, or rejected as not novel. Every attempt is stored once, with its
 * failure kind, so runs can be audited and resumed.
 */
export interface AttemptBase {
  id: string;
  runId: string;
  parentId: string | null;
  inspirationIds: string[];
  island: number;
  generation: number;
  operator: string;
  model: string | null;
  proposeMs: number;
  createdAt: number;
}

export function attemptRecord(
  base: AttemptBase,
  outcome: {
    status: ProgramStatus;
    files: Record<string, string>;
    proposal: CandidateProposal | null;
    score: number | null;
    metrics?: JsonObject;
    features?: Record<string, number>;
    artifacts?: JsonObject;
    failure: { kind: string; message: string } | null;
    evaluateMs: number;
    /** Time the candidate waited for an evaluation slot after its proposal (0 when it never waited). */
    queuedMs?: number;
    /** The encoded text fingerprint, so a resumed run rebuilds without reading the code. */
    fingerprint?: string;
  },
): ProgramRecord {
  const usage = outcome.proposal?.usage ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  return {
    id: base.id,
    runId: base.runId,
    parentId: base.parentId,
    inspirationIds: base.inspirationIds,
    island: base.island,
    generation: base.generation,
    operator: outcome.proposal?.operator ?? base.operator,
    files: outcome.files,
    diff: outcome.proposal?.diff ?? '',
    status: outcome.status,
    score: outcome.score,
    metrics: outcome.metrics ?? {},
    features: outcome.features ?? {},
    artifacts: outcome.artifacts ?? {},
    failure: outcome.failure,
    model: outcome.proposal?.model ?? base.model,
    prompt: outcome.proposal?.prompt ?? null,
    reply: outcome.proposal?.reply ?? null,
    tokensIn: usage.inputTokens,
    tokensOut: usage.outputTokens,
    costUsd: usage.costUsd,
    timing: { proposeMs: base.proposeMs, queuedMs: outcome.queuedMs ?? 0, evaluateMs: outcome.evaluateMs },
    createdAt: base.createdAt,
    ...definedOnly({ fingerprint: outcome.fingerprint }),
  };
}

/** What a rejected reply still tells: the prompt, the reply and what the call cost. */
export function spentProposal(error: unknown, operator: string): CandidateProposal | null {
  if (!(error instanceof ProposalRejectedError)) return null;
  return { files: {}, diff: '', operator, model: error.model, prompt: error.prompt, reply: error.reply, usage: error.usage };
}

/** How a failed proposal is recorded: its failure kind, and whether it stops the run. */
export function classifyProposalError(error: unknown): { kind: string; message: string; budget: BudgetExceededError | null } {
  if (error instanceof BudgetExceededError) return { kind: 'budget', message: error.message, budget: error };
  if (error instanceof LamarckError && error.code === 'operator-not-applicable') return { kind: 'not-applicable', message: error.message, budget: null };
  if (error instanceof LamarckError && replyLimitKinds.has(error.code)) return { kind: error.code, message: error.message, budget: null };
  if (error instanceof ModelOutputError) return { kind: 'apply-failed', message: error.message, budget: null };
  if (error instanceof ModelCallError || isUnusableModelError(error)) return { kind: 'model-error', message: error instanceof Error ? error.message : String(error), budget: null };
  if (error instanceof LamarckError && error.fault === 'model') return { kind: 'apply-failed', message: error.message, budget: null };
  if (error instanceof LamarckError && error.fault === 'environment') return { kind: 'model-error', message: error.message, budget: null };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'operator-error', message, budget: null };
}
