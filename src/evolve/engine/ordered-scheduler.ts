/**
 * The pipeline of a seeded run: the same seed gives the same candidates and scores with any number
 * of evaluation slots. Proposals run one at a time, in attempt order, and each result is applied
 * (stored, added to the database, observed by operators and models) in attempt order too, never in
 * the order evaluations finish. Up to `window` candidates wait for their result at once, so
 * candidate i is always proposed from the results of attempts 1..i-window exactly: the window is a
 * setting of the run, not the slot count, and the slots only decide how fast the results come.
 */
export interface OrderedPipelineOptions<Candidate, Outcome> {
  /** Evaluations in flight at once. */
  evaluations: number;
  /** Candidates proposed and not yet applied, at most. */
  window: number;
  /** Attempt numbers already used (a resumed run continues after them). */
  startAfter: number;
  /** Candidates a resumed run had proposed and not applied, in attempt order: evaluated and applied first. */
  resumeWith?: readonly Candidate[];
  mayStart(iteration: number, idle: boolean): boolean;
  /** Makes a candidate, or records why none was made and returns undefined. */
  propose(iteration: number): Promise<Candidate | undefined>;
  /** Runs the candidate's evaluation in a slot; applies nothing. */
  evaluate(candidate: Candidate, slotStarted: number): Promise<Outcome>;
  /** Applies a result: called in attempt order, one at a time. */
  apply(candidate: Candidate, outcome: Outcome): Promise<void>;
  /** Told once a candidate's evaluation is done or dropped (also when it is not applied). */
  settled?(candidate: Candidate): void;
  aborted(): boolean;
  onError(error: unknown): void;
  /** The time source for `slotStarted`. */
  now(): number;
}

interface Waiting<Candidate, Outcome> {
  candidate: Candidate;
  outcome: Promise<Outcome>;
}

export class OrderedScheduler<Candidate, Outcome> {
  private readonly options: OrderedPipelineOptions<Candidate, Outcome>;
  private readonly queue: Array<() => void> = [];
  private running = 0;

  constructor(options: OrderedPipelineOptions<Candidate, Outcome>) {
    this.options = options;
  }

  /** Resolves once no attempt may start and every candidate was applied or, after a stop, dropped. */
  async run(): Promise<void> {
    const options = this.options;
    const waiting: Array<Waiting<Candidate, Outcome>> = [];
    let next = options.startAfter + 1;
    try {
      for (const candidate of options.resumeWith ?? []) waiting.push(this.started(candidate));
      for (;;) {
        while (!options.aborted() && waiting.length < options.window && options.mayStart(next, waiting.length === 0)) {
          const candidate = await options.propose(next);
          next += 1;
          if (candidate === undefined) continue;
          waiting.push(this.started(candidate));
        }
        const head = waiting.shift();
        if (head === undefined || options.aborted()) break;
        const outcome = await head.outcome;
        options.settled?.(head.candidate);
        if (options.aborted()) break;
        await options.apply(head.candidate, outcome);
      }
    } catch (error) {
      options.onError(error);
    }
    // Abandoned candidates are not applied (a resumed run proposes them afresh); their evaluations still end first.
    await Promise.allSettled(waiting.map((entry) => entry.outcome.finally(() => options.settled?.(entry.candidate))));
  }

  private started(candidate: Candidate): Waiting<Candidate, Outcome> {
    const outcome = this.inSlot(candidate);
    // Awaited in turn; marked handled now so a failure that comes early is not an unhandled rejection.
    outcome.catch(() => undefined);
    return { candidate, outcome };
  }

  /** Starts the evaluation as soon as a slot is free; slots are handed out in attempt order. */
  private inSlot(candidate: Candidate): Promise<Outcome> {
    return new Promise<void>((resolve) => {
      if (this.running < this.options.evaluations) {
        this.running += 1;
        resolve();
      } else {
        this.queue.push(resolve);
      }
    })
      .then(() => this.options.evaluate(candidate, this.options.now()))
      .finally(() => {
        const nextInLine = this.queue.shift();
        if (nextInLine === undefined) this.running -= 1;
        else nextInLine();
      });
  }
}
