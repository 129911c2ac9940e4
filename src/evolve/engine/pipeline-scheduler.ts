/**
 * The two-stage pipeline behind the engine: up to `proposals` proposal tasks (model calls) and
 * `evaluations` evaluation tasks run at once, joined by a queue of ready candidates. Proposals
 * stop only when proposals in flight plus ready candidates reach `queue`, so a slow evaluator
 * never stalls proposing beyond that bound and a slow model never idles an evaluator while a
 * candidate is ready. In serial mode one attempt runs start to end before the next begins,
 * which makes a seeded run replay exactly. Urgent work (a failed child's repair) may start a
 * proposal beyond the queue bound, and its candidate is evaluated before the others ready.
 */
export interface PipelineOptions<Candidate> {
  proposals: number;
  evaluations: number;
  queue: number;
  serial: boolean;
  /** Attempt numbers already used (a resumed run continues after them). */
  startAfter: number;
  /** Whether attempt `iteration` may start now (budgets, stop requests). */
  mayStart(iteration: number, idle: boolean): boolean;
  /** Makes a candidate, or records why none was made and returns undefined. */
  propose(iteration: number): Promise<Candidate | undefined>;
  evaluate(candidate: Candidate): Promise<void>;
  /** Whether a proposal is waiting that goes ahead of new ones (it may exceed the queue bound). */
  urgent?(): boolean;
  /** Whether a candidate is evaluated before those already ready. */
  priority?(candidate: Candidate): boolean;
  /** True once in-flight work should be abandoned; ready candidates are then dropped. */
  aborted(): boolean;
  onError(error: unknown): void;
}

export class PipelineScheduler<Candidate> {
  private readonly options: PipelineOptions<Candidate>;
  private readonly ready: Candidate[] = [];
  private proposing = 0;
  private evaluating = 0;
  private finish: (() => void) | undefined;
  /** The number of the last attempt started. */
  started: number;

  constructor(options: PipelineOptions<Candidate>) {
    this.options = options;
    this.started = options.startAfter;
  }

  get waiting(): number {
    return this.ready.length;
  }

  /** Resolves once nothing is in flight and no new attempt may start. */
  run(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.finish = resolve;
      this.pump();
    });
  }

  private pump(): void {
    const options = this.options;
    while (this.ready.length > 0 && this.evaluating < options.evaluations && !options.aborted()) {
      const candidate = this.ready.shift()!;
      this.evaluating += 1;
      void options
        .evaluate(candidate)
        .catch((error: unknown) => options.onError(error))
        .finally(() => {
          this.evaluating -= 1;
          this.pump();
        });
    }
    while (this.mayPropose()) {
      this.proposing += 1;
      this.started += 1;
      void options
        .propose(this.started)
        .then((candidate) => {
          if (candidate === undefined) return;
          if (options.priority?.(candidate) === true) this.ready.unshift(candidate);
          else this.ready.push(candidate);
        })
        .catch((error: unknown) => options.onError(error))
        .finally(() => {
          this.proposing -= 1;
          this.pump();
        });
    }
    const idle = this.proposing === 0 && this.evaluating === 0 && (this.ready.length === 0 || options.aborted());
    if (idle && !this.mayPropose()) this.finish?.();
  }

  private mayPropose(): boolean {
    const options = this.options;
    const inFlight = this.proposing + this.ready.length + this.evaluating;
    if (options.aborted() || !options.mayStart(this.started + 1, inFlight === 0)) return false;
    if (options.serial) return inFlight === 0;
    if (this.proposing >= options.proposals) return false;
    return this.proposing + this.ready.length < options.queue || options.urgent?.() === true;
  }
}
