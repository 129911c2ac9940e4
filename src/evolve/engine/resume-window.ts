import { definedOnly } from '../../core/defined-only.ts';
import { NotFoundError } from '../../core/errors.ts';
import { fingerprintText } from '../database/text-fingerprint.ts';
import type { EngineContext } from './engine-context.ts';
import type { SavedCandidate } from './checkpoint.ts';
import type { Candidate } from './engine-options.ts';
import { toSnapshot } from './program-loader.ts';

/**
 * A seeded run's window, the candidates proposed and not yet applied, as a checkpoint keeps it and
 * a resumed run takes it back. They were proposed from state that is gone by the time they are
 * applied, so they cannot be proposed again: they are saved as they were made (the model's reply
 * included), and a resumed run evaluates them again, in their turn, instead of proposing afresh.
 */

export function saveCandidate(candidate: Candidate): SavedCandidate {
  const saved = { iteration: candidate.iteration, base: { ...candidate.base }, operator: candidate.operator.name, repairOf: candidate.repairOf, ...definedOnly({ cascade: candidate.cascade }) };
  if (candidate.kind === 'evaluate') return { ...saved, proposal: candidate.proposal };
  return { ...saved, rejected: { outcome: candidate.outcome, failure: candidate.failure, applyFailure: candidate.applyFailure } };
}

/** A saved candidate as the run had it: its parent read back from the store, its operator by name. */
export async function restoreCandidate(context: EngineContext, saved: SavedCandidate): Promise<Candidate> {
  const operator = context.options.operators.find((item) => item.name === saved.operator);
  const parentRecord = saved.base.parentId === null ? undefined : await context.loader.get(saved.base.parentId);
  if (operator === undefined || parentRecord === undefined) {
    // The run was resumed with other operators, or its store lost the parent: the window cannot be replayed.
    throw operator === undefined ? new NotFoundError(`operator of attempt ${saved.iteration}`, saved.operator) : new NotFoundError(`parent of attempt ${saved.iteration}`, saved.base.parentId ?? '(none)');
  }
  const attempt = { base: { ...saved.base }, parent: toSnapshot(parentRecord), operator, iteration: saved.iteration, repairOf: saved.repairOf, cascade: saved.cascade };
  if (saved.proposal !== undefined) {
    return { ...attempt, kind: 'evaluate', proposal: saved.proposal, fingerprint: fingerprintText(context.loader.textOf(saved.proposal.files)) };
  }
  const rejected = saved.rejected!;
  return { ...attempt, kind: 'rejected', outcome: rejected.outcome, failure: rejected.failure, applyFailure: rejected.applyFailure };
}
