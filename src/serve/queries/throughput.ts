import { isJsonObject, type JsonObject } from '../../core/json.ts';
import type { ThroughputReport } from '../api-types.ts';
import type { RunPrograms } from '../run-programs.ts';

/**
 * Evaluation throughput and slot occupancy over wall time. A program records when its attempt
 * began (`createdAt`) and, one after the other, how long its proposal took, how long it then
 * waited for an evaluation slot (`queuedMs`), and how long its evaluation took. Its proposal spans
 * [began, began + proposeMs] and its evaluation the `evaluateMs` after the wait, so a slot counts
 * as busy only while it evaluates: occupancy never exceeds the slots. (Records written before
 * `queuedMs` was kept have none; for them the wait is counted as evaluation.) Occupancy per bucket
 * is the mean number of evaluations in flight: the busy fraction of the slots times their number.
 */
export function throughputReport(index: RunPrograms, config: JsonObject, buckets: number): ThroughputReport {
  return index.memo(`throughput:${buckets}`, () => computeThroughput(index, config, buckets));
}

function computeThroughput(index: RunPrograms, config: JsonObject, buckets: number): ThroughputReport {
  const intervals = index.programs.map((program) => {
    const proposeEnd = program.createdAt + Math.max(0, program.timing.proposeMs);
    const evaluateStart = proposeEnd + Math.max(0, program.timing.queuedMs ?? 0);
    return { proposeStart: program.createdAt, proposeEnd, evaluateStart, evaluateEnd: evaluateStart + Math.max(0, program.timing.evaluateMs), evaluated: program.timing.evaluateMs > 0 };
  });
  const concurrency = isJsonObject(config['concurrency']) ? config['concurrency'] : {};
  const slots = {
    proposals: typeof concurrency['proposals'] === 'number' ? concurrency['proposals'] : null,
    evaluations: typeof concurrency['evaluations'] === 'number' ? concurrency['evaluations'] : null,
  };
  const evaluated = intervals.filter((interval) => interval.evaluated);
  const report: ThroughputReport = {
    time: [],
    evaluationsPerMinute: [],
    evaluationOccupancy: [],
    proposalOccupancy: [],
    slots,
    meanEvaluateMs: evaluated.length === 0 ? null : mean(index.programs.filter((program) => program.timing.evaluateMs > 0).map((program) => program.timing.evaluateMs)),
    meanProposeMs: index.programs.length === 0 ? null : mean(index.programs.map((program) => program.timing.proposeMs)),
    meanQueuedMs: evaluated.length === 0 ? null : mean(index.programs.filter((program) => program.timing.evaluateMs > 0).map((program) => program.timing.queuedMs ?? 0)),
  };
  if (intervals.length === 0) return report;
  // A loop, not Math.min(...): a spread of 100,000 arguments overflows the stack.
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const interval of intervals) {
    start = Math.min(start, interval.proposeStart);
    end = Math.max(end, interval.evaluateEnd);
  }
  end = Math.max(end, start + 1);
  // A bucket spans several evaluations at least: narrower ones hold 0 or 1 completion each, and the
  // rate then swings between 0 and one per bucket instead of showing the pace.
  const narrowest = Math.max(100, 4 * (report.meanEvaluateMs ?? 0));
  const count = Math.max(1, Math.min(buckets, Math.ceil((end - start) / narrowest)));
  const width = (end - start) / count;
  const completions = new Array<number>(count).fill(0);
  const evaluationBusy = new Array<number>(count).fill(0);
  const proposalBusy = new Array<number>(count).fill(0);
  const bucketOf = (time: number) => Math.min(count - 1, Math.max(0, Math.floor((time - start) / width)));
  const spread = (busy: number[], from: number, to: number): void => {
    if (to <= from) return;
    for (let bucket = bucketOf(from); bucket <= bucketOf(to); bucket += 1) {
      const low = Math.max(from, start + bucket * width);
      const high = Math.min(to, start + (bucket + 1) * width);
      if (high > low) busy[bucket]! += high - low;
    }
  };
  for (const interval of intervals) {
    spread(proposalBusy, interval.proposeStart, interval.proposeEnd);
    if (!interval.evaluated) continue;
    spread(evaluationBusy, interval.evaluateStart, interval.evaluateEnd);
    completions[bucketOf(interval.evaluateEnd)]! += 1;
  }
  for (let bucket = 0; bucket < count; bucket += 1) {
    report.time.push(Math.round(start + (bucket + 1) * width));
    report.evaluationsPerMinute.push((completions[bucket]! * 60_000) / width);
    report.evaluationOccupancy.push(evaluationBusy[bucket]! / width);
    report.proposalOccupancy.push(proposalBusy[bucket]! / width);
  }
  return report;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
