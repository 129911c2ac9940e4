import { parentPort } from 'node:worker_threads';

/**
 * A stand-in for the QuickJS worker that fails the way a real thread can, so the pool's handling of
 * a dying worker is tested against Node's own behaviour: the job's source names how to fail.
 * - `exhaust-heap`: allocates until the thread outgrows its `resourceLimits` (ERR_WORKER_OUT_OF_MEMORY);
 * - `crash`: throws an uncaught error.
 */
interface RunMessage {
  type: string;
  callId: number;
  source?: string;
}

parentPort!.on('message', (message: RunMessage) => {
  if (message.type !== 'run') return;
  parentPort!.postMessage({ type: 'started', callId: message.callId });
  if (message.source === 'exhaust-heap') {
    const keep: number[][] = [];
    for (;;) keep.push(Array.from({ length: 100_000 }, (_, index) => index * 1.5));
  }
  if (message.source === 'crash') throw new Error('the worker broke on purpose');
});
