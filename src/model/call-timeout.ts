import { TimeoutError } from '../core/errors.ts';

/**
 * Runs one provider call under a timeout and the caller's abort signal. The timer is real, not the
 * injected Clock: it bounds real I/O, which a fake clock cannot speed up. `touch` restarts the
 * timer, for streams where the limit is the silence between parts. The race also covers models
 * that ignore their abort signal.
 */
export async function callWithTimeout<T>(
  run: (signal: AbortSignal, touch: () => void) => Promise<T>,
  options: { timeoutMs: number; what: string; signal?: AbortSignal | undefined },
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let rejectRace: ((reason: unknown) => void) | undefined;
  const race = new Promise<never>((_resolve, reject) => (rejectRace = reject));
  const fire = (reason: unknown): void => {
    controller.abort(reason);
    rejectRace?.(reason);
  };
  let settled = false;
  const touch = (): void => {
    // A stream still being read after the call ended must not start a timer nobody clears.
    if (settled) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => fire(new TimeoutError(options.what, options.timeoutMs)), options.timeoutMs);
  };
  const onAbort = (): void => fire(options.signal?.reason ?? new Error('aborted'));
  if (options.signal?.aborted === true) throw options.signal.reason ?? new Error('aborted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  touch();
  try {
    return await Promise.race([run(controller.signal, touch), race]);
  } catch (error) {
    // The provider reports our abort as its own AbortError; the reason says what really happened.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    settled = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
