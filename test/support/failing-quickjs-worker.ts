import { parentPort } from 'node:worker_threads';

/**
 * A stand-in for the QuickJS worker that fails the way a real thread can, so the pool's handling of
 * a dying worker is tested against Node's own behaviour: the job's source names how to fail.
 * - `exhaust-heap`: allocates until the thread outgrows its `resourceLimits` (ERR_WORKER_OUT_OF_MEMORY);
 * - `crash`: throws an uncaught error;
 * - `fail-after-abort`: when the host's abort arrives, ends the call with a guest error (a guest
 *   that fails on its way out of an abort);
 * - `fail-before-abort`: ends the call with a guest error at once, but posts it only after the
 *   host's abort arrived (the two messages crossing).
 * The last two announce on the `failing-quickjs-worker` broadcast channel that they have taken the
 * call, so a test aborts only after that, from evidence rather than a delay.
 */
interface RunMessage {
  type: string;
  callId: number;
  source?: string;
}

const epochNow = (): number => performance.timeOrigin + performance.now();
const guestError = { ok: false, error: { code: 'tool-threw', message: 'Error: failed on its own' } };
let pendingFailure: { callId: number; endedAt: number } | undefined;
const announcements = new BroadcastChannel('failing-quickjs-worker');
announcements.unref();

parentPort!.on('message', (message: RunMessage) => {
  if (message.type === 'abort' && pendingFailure?.callId === message.callId) {
    const { callId, endedAt } = pendingFailure;
    pendingFailure = undefined;
    parentPort!.postMessage({ type: 'done', callId, result: guestError, droppedLogLines: 0, endedAt: endedAt < 0 ? epochNow() : endedAt });
    return;
  }
  if (message.type !== 'run') return;
  parentPort!.postMessage({ type: 'started', callId: message.callId, at: epochNow() });
  if (message.source === 'exhaust-heap') {
    const keep: number[][] = [];
    for (;;) keep.push(Array.from({ length: 100_000 }, (_, index) => index * 1.5));
  }
  if (message.source === 'crash') throw new Error('the worker broke on purpose');
  if (message.source === 'fail-after-abort') pendingFailure = { callId: message.callId, endedAt: -1 };
  if (message.source === 'fail-before-abort') pendingFailure = { callId: message.callId, endedAt: epochNow() };
  if (pendingFailure !== undefined) announcements.postMessage(message.source);
});
