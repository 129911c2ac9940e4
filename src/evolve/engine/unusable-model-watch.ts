import { toLamarckError } from '../../core/errors.ts';
import { isUnusableModelError } from '../../model/unusable-model.ts';
import { ProposalRejectedError } from '../operators/proposal-error.ts';

/**
 * Counts model calls in a row that failed because the model cannot be used. Without a key,
 * against a dead port or with a missing model file every further call fails alike and the run
 * would burn its whole budget recording `model-error`s, so after `limit` of them the run stops,
 * failed, with the provider's own message. A reply of any kind (even one that does not apply)
 * resets the count; an operator that gave up before calling the model changes nothing; a transient failure (429, 5xx, a timeout, already retried by the client)
 * neither counts nor resets it.
 */
export class UnusableModelWatch {
  private readonly limit: number;
  private streak = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** The calls in a row that failed so far (kept in the checkpoint). */
  saveState(): number {
    return this.streak;
  }

  restoreState(streak: number): void {
    this.streak = Number.isFinite(streak) && streak >= 0 ? streak : 0;
  }

  /** Notes one model call's end (`null`: it replied); returns the stop message once the limit is reached. */
  note(error: unknown): string | undefined {
    if (error === null || error instanceof ProposalRejectedError) {
      this.streak = 0;
      return undefined;
    }
    if (!isUnusableModelError(error)) return undefined;
    this.streak += 1;
    if (this.streak < this.limit) return undefined;
    return `the model cannot be used (${this.streak} calls in a row failed): ${toLamarckError(error).message}`;
  }
}
