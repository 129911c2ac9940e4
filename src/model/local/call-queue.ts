/**
 * Runs tasks one at a time, in arrival order. A llama.cpp context sequence holds one
 * conversation state, so two calls interleaving on it would corrupt each other's KV cache.
 */
export interface CallQueue {
  /** Runs `task` after every earlier task settles; rejects at once if `signal` aborts while waiting. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tasks waiting or running. */
  readonly pending: number;
}

export function createCallQueue(): CallQueue {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  return {
    get pending() {
      return pending;
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      signal?.throwIfAborted();
      pending += 1;
      const previous = tail;
      let finishSlot: () => void = () => undefined;
      // The chain waits for the slot itself, not for the caller's promise: a task rejected early
      // by its signal must still hold later tasks back until the one before it has finished.
      tail = new Promise<void>((resolve) => {
        finishSlot = resolve;
      });
      const result = new Promise<T>((resolve, reject) => {
        const onAbort = (): void => reject(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        void previous.then(async () => {
          signal?.removeEventListener('abort', onAbort);
          try {
            if (signal?.aborted === true) {
              reject(signal.reason);
              return;
            }
            resolve(await task());
          } catch (error) {
            reject(error);
          } finally {
            pending -= 1;
            finishSlot();
          }
        });
      });
      return result;
    },
  };
}
