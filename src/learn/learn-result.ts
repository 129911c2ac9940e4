import type { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { UsageMeter } from '../model/types.ts';
import { summarizeCascade } from './cascade-summary.ts';
import type { AttemptSummary } from './consolidate.ts';
import { selfGeneratedTag } from './curriculum.ts';
import type { CurvePoint } from './learn-events.ts';
import type { LearnResult } from './learn-options.ts';
import type { FinishedTask, PendingTask, ProposalDecision } from './learn-progress.ts';
import type { StepFailure } from './step-failure.ts';
import type { Task } from './task-stream.ts';
import type { RecordedAttempt } from './training-data.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * What a learn run has to show so far: a curve point and the attempts of every finished task
 * (resumed or run now), the consolidation window the next task sees, and the result they add up to.
 */
export class LearnTally {
  readonly curves: CurvePoint[] = [];
  readonly attempts: RecordedAttempt[] = [];
  /** The consolidation window the next task starts from. */
  recent: AttemptSummary[] = [];
  resumedTasks = 0;

  add(finished: FinishedTask): void {
    this.curves.push(finished.point);
    this.attempts.push(...finished.attempts);
    this.recent = finished.recent;
  }

  result(stoppedBy?: string): LearnResult {
    const sum = (value: (point: CurvePoint) => number): number => this.curves.reduce((total, point) => total + value(point), 0);
    const cascade = summarizeCascade(this.curves);
    return {
      curves: this.curves,
      attempts: this.attempts,
      committed: sum((point) => point.committed),
      rejected: sum((point) => point.rejected),
      unchanged: sum((point) => point.unchanged),
      failures: this.curves.flatMap((point) => point.failures),
      resumedTasks: this.resumedTasks,
      status: stoppedBy === undefined ? 'finished' : 'stopped',
      ...definedOnly({ stoppedBy, cascade }),
    };
  }
}

/** One task's point on the learning curve: how it went, what the library became, what learning cost. */
export function curvePoint(
  position: number,
  task: Task,
  pending: PendingTask,
  decisions: readonly ProposalDecision[],
  gateFailures: StepFailure[],
  index: LibraryIndex,
  meter: UsageMeter | undefined,
): CurvePoint {
  const count = (outcome: ProposalDecision['outcome']): number => decisions.filter((decision) => decision.outcome === outcome).length;
  return {
    index: position,
    taskId: task.id,
    passed: pending.verdict.passed,
    score: pending.verdict.score,
    verdictSource: pending.verdict.source,
    costUsd: pending.costUsd,
    inputTokens: pending.inputTokens,
    outputTokens: pending.outputTokens,
    tokensInjected: pending.tokensInjected,
    librarySize: index.entries().filter((entry) => entry.status !== 'retired').length,
    newArtifacts: count('committed-new'),
    committed: count('committed-new') + count('committed'),
    rejected: pending.refused + count('rejected'),
    unchanged: count('unchanged'),
    failures: [...pending.failures, ...gateFailures],
    learningCostUsd: Math.max(0, (meter?.totals().costUsd ?? 0) - pending.costBefore - pending.costUsd),
    ...definedOnly({ cascade: pending.cascade, selfGenerated: task.tags.includes(selfGeneratedTag) ? (true as const) : undefined, gap: task.gap }),
  };
}
