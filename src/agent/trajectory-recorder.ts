import type { Clock } from '../core/clock.ts';
import type { JsonObject } from '../core/json.ts';
import type { Store, TrajectoryRecord, TrajectoryStatus } from '../store/types.ts';
import type { Redactor } from './redact.ts';
import type { AgentUsage } from './types.ts';

/**
 * Writes the trajectory as the run goes: the record when it starts, one step per model call, tool
 * call, tool result, plan, block and error, and the totals when it ends. Everything passes through
 * the redactor first. Without a store the steps are only counted, so the loop does not branch.
 */
export class TrajectoryRecorder {
  private nextIndex: number;
  private record: TrajectoryRecord;
  /** Writes are chained so steps land in order even though callers do not await each one. */
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private readonly store: Store | undefined;
  private readonly redactor: Redactor;
  private readonly clock: Clock;

  constructor(
    store: Store | undefined,
    redactor: Redactor,
    clock: Clock,
    record: Omit<TrajectoryRecord, 'createdAt' | 'updatedAt' | 'tokensIn' | 'tokensOut' | 'costUsd' | 'answer' | 'verdict' | 'status'>,
    startIndex: number,
    createdAt?: number,
  ) {
    this.store = store;
    this.redactor = redactor;
    this.clock = clock;
    const now = clock.now();
    this.nextIndex = startIndex;
    this.record = {
      ...record,
      task: redactor.text(record.task),
      // A model spec may carry a base URL with credentials in it.
      model: record.model === null ? null : redactor.text(record.model),
      status: 'running',
      answer: null,
      verdict: null,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      createdAt: createdAt ?? now,
      updatedAt: now,
    };
  }

  get stepCount(): number {
    return this.nextIndex;
  }

  start(): Promise<void> {
    return this.enqueue(async (store) => store.putTrajectory(this.record));
  }

  step(type: string, data: JsonObject): void {
    const step = { index: this.nextIndex, type, at: this.clock.now(), data: this.redactor.json(data) };
    this.nextIndex += 1;
    void this.enqueue((store) => store.appendTrajectoryStep(this.record.id, step));
  }

  finish(status: TrajectoryStatus, answer: string | null, usage: AgentUsage): Promise<void> {
    this.record = {
      ...this.record,
      status,
      answer: answer === null ? null : this.redactor.text(answer),
      tokensIn: usage.inputTokens,
      tokensOut: usage.outputTokens,
      costUsd: usage.costUsd,
      updatedAt: this.clock.now(),
    };
    return this.enqueue((store) => store.putTrajectory(this.record));
  }

  /** Waits for every write so far; rethrows the first store failure. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
  }

  private enqueue(write: (store: Store) => Promise<void>): Promise<void> {
    const store = this.store;
    if (store === undefined) return Promise.resolve();
    this.pending = this.pending.then(() =>
      write(store).catch((error: unknown) => {
        this.failure ??= error;
      }),
    );
    return this.pending;
  }
}
