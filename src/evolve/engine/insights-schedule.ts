import { toLamarckError } from '../../core/errors.ts';
import type { LanguageModelClient, UsageMeter } from '../../model/types.ts';
import type { ProgramRecord } from '../../store/types.ts';
import type { InsightsRefresher, ProgramOutcome } from './collaborators.ts';

/**
 * When the run's insights are refreshed: every `every` attempts, one refresh at a time, in the
 * background (the loop does not wait for it; the run's end does). A failed refresh keeps the
 * insights it had and is reported, never the end of the run.
 */
export class InsightsSchedule {
  readonly #refresher: InsightsRefresher | undefined;
  readonly #every: number;
  #running: Promise<void> | undefined;

  constructor(refresher: InsightsRefresher | undefined, every: number) {
    this.#refresher = refresher;
    this.#every = every;
  }

  /** Starts a refresh when `attempts` is due for one and none is running. */
  maybeRefresh(
    attempts: number,
    input: { outcomes: ProgramOutcome[]; current: string[]; model: LanguageModelClient | undefined; meter: UsageMeter; signal: AbortSignal },
    on: { refreshed(insights: string[]): void; failed(message: string): void },
  ): void {
    if (this.#refresher === undefined || this.#every <= 0 || attempts <= 0 || attempts % this.#every !== 0 || this.#running !== undefined) return;
    this.#running = this.#refresher
      .refresh(input)
      .then((insights) => on.refreshed(insights))
      .catch((error: unknown) => on.failed(`insights refresh failed: ${toLamarckError(error).message}`))
      .finally(() => {
        this.#running = undefined;
      });
  }

  /** Settles once the refresh running now (if any) has ended. */
  async settled(): Promise<void> {
    await this.#running;
  }
}

/** What an insights refresher reads of a stored attempt. */
export function outcomeOf(record: ProgramRecord, parentScore: number | null): ProgramOutcome {
  return {
    id: record.id,
    parentId: record.parentId,
    operator: record.operator,
    score: record.score,
    parentScore,
    failure: record.failure,
    diff: record.diff.slice(0, 2000),
  };
}
