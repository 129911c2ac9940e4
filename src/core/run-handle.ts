/**
 * The one shape every long run hands back (RunHandle, contract v1): evolve (`evolve()`), the agent
 * (`runAgent()`) and learn (`runLearn()`) each return a `RunHandle<TheirEvent, TheirResult>`, so the
 * CLI, the dashboard and the MCP server drive any run the same way. A handle is returned at once;
 * the run starts on a later tick, so a caller that subscribes right away sees every event.
 */
export const runHandleContractVersion = 'v1';

/** A run's events: iterate them (`for await`), or subscribe a listener; either ends when the run does. */
export interface RunEventStream<Event> extends AsyncIterable<Event> {
  /** Calls the listener for each event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: Event) => void): () => void;
}

export interface RunHandle<Event, Result> {
  /** The run's id in the store, once the run has one; rejects (as `result` does) when it could not start. */
  readonly runId: Promise<string>;
  readonly events: RunEventStream<Event>;
  /** Settles when the run has ended and everything it owes the store is written. */
  readonly result: Promise<Result>;
  /**
   * Asks the run to end at its next safe point (between steps, candidates or tasks), with what it
   * did so far saved so that it can be resumed; `result` then reports it as stopped. Idempotent.
   */
  stop(reason?: string): void;
}

/** A run id promise to settle later; an unobserved rejection is not reported (`result` carries it). */
export function pendingRunId(): { promise: Promise<string>; resolve(id: string): void; reject(error: unknown): void } {
  let resolve!: (id: string) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<string>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
