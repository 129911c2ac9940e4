import { NotFoundError } from '../core/errors.ts';
import type { Library } from '../library/library.ts';
import type { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { ArtifactUse } from './learn-progress.ts';

/**
 * What one finished attempt teaches the library about the items it used: each item's use,
 * success, helpful and harmful counters (which its utility is computed from), and retrieval's
 * learned triggers (the task's terms point at the skills and lessons it used). The learn loop
 * calls this after every task; `lamarck mcp`'s `report_outcome` calls it for an outside agent's
 * attempt, so both count an outcome the same way.
 */
export interface AttemptOutcomeReport {
  /** The task's prompt, as the agent was given it. */
  task: string;
  uses: readonly ArtifactUse[];
  /** Whether the attempt passed. */
  passed: boolean;
}

/** Returns the uses that were counted; an item retired or removed meanwhile is skipped, not an error. */
export async function recordAttemptOutcome(library: Library, index: LibraryIndex, report: AttemptOutcomeReport): Promise<ArtifactUse[]> {
  const counted: ArtifactUse[] = [];
  for (const use of report.uses) {
    try {
      await library.recordUse(use.kind, use.name, { success: use.success, helpful: use.helpful, harmful: use.harmful });
      counted.push(use);
    } catch (error) {
      // An artifact retired or removed by another learner since the attempt is simply not counted.
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  // Retrieval learns from the same outcome: the task's terms become triggers of what it used.
  const retrieved = await Promise.all(
    report.uses.filter((use) => use.kind === 'skill' || use.kind === 'lesson').map((use) => library.store.findArtifact(use.kind, use.name)),
  );
  const used = retrieved.flatMap((artifact) => (artifact === undefined ? [] : [artifact.id]));
  await index.learnFromOutcome(library, { task: report.task, used, passed: report.passed });
  return counted;
}
