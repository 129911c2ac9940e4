import { createHash } from 'node:crypto';
import { InternalError } from '../../core/errors.ts';
import type { JobQueue } from '../../queue/types.ts';
import type { Store } from '../../store/types.ts';
import type { EvaluationResult, Evaluator, Problem } from '../types.ts';
import { buildEvaluationJob, defaultEvaluationQueue, evaluationFromJobResult, type EvaluationJobResult } from './evaluation-job.ts';
import { saveProblemSnapshot, takeProblemSnapshot } from './problem-snapshot.ts';
import { WorkerOccupancy } from './worker-occupancy.ts';
import { definedOnly } from '../../core/defined-only.ts';

export interface QueueEvaluatorOptions {
  problem: Problem;
  store: Store;
  queue: JobQueue;
  queueName?: string;
  /** How often a waiting evaluation looks at its job. Default 50 ms. */
  pollMs?: number;
  snapshotLimitBytes?: number;
  /** Attempts before a job (one whose worker died every time) is dead-lettered. Default 3. */
  maxAttempts?: number;
  backoffMs?: number;
}

/**
 * The evaluator of `evolve --workers external`: instead of running the candidate, it enqueues a
 * job and waits for a worker's result. The engine sees an ordinary Evaluator.
 *
 * The job's idempotency key is the run and the content of the candidate's files: the engine never
 * evaluates one content twice in a run (novelty rejects duplicates), so within a run the key names
 * the candidate, and it also survives the coordinator: a coordinator killed and resumed that
 * reaches the same candidate again finds its job (queued, running on a worker, or already done)
 * instead of evaluating it a second time. A dead-lettered job is a failed evaluation with the
 * reason; an aborted wait leaves the job in the queue for whoever asks for it next.
 */
export function createQueueEvaluator(options: QueueEvaluatorOptions): Evaluator & { occupancy: WorkerOccupancy } {
  const queueName = options.queueName ?? defaultEvaluationQueue;
  const pollMs = options.pollMs ?? 50;
  const occupancy = new WorkerOccupancy(options.store);
  let snapshotHash: Promise<string> | undefined;
  const snapshot = (): Promise<string> =>
    (snapshotHash ??= (async () => {
      const taken = await takeProblemSnapshot({
        directory: options.problem.directory,
        programPaths: Object.keys(options.problem.files),
        ...definedOnly({ limitBytes: options.snapshotLimitBytes }),
      });
      await saveProblemSnapshot(options.store, taken);
      return taken.hash;
    })());

  return {
    occupancy,
    async evaluate(files, evaluateOptions): Promise<EvaluationResult> {
      const { signal, runId, candidateId } = evaluateOptions;
      if (runId === undefined || candidateId === undefined) throw new InternalError('the queue evaluator needs the run and candidate ids');
      const payload = buildEvaluationJob({ problem: options.problem, snapshotHash: await snapshot(), runId, candidateId, files });
      const { jobId } = await options.queue.enqueue(queueName, payload, {
        idempotencyKey: `${runId}:${contentKey(files)}`,
        ...definedOnly({ maxAttempts: options.maxAttempts, backoffMs: options.backoffMs }),
      });
      for (;;) {
        if (signal?.aborted === true) throw signal.reason ?? new Error('evaluation aborted');
        const job = await options.queue.get(queueName, jobId);
        if (job === undefined) throw new InternalError(`evaluation job ${jobId} vanished from the queue ${queueName}`);
        if (job.state === 'completed' && job.result !== null) {
          const result = job.result as EvaluationJobResult;
          await occupancy.record(runId, result);
          return evaluationFromJobResult(result);
        }
        if (job.state === 'dead') {
          const message = `the evaluation job was dead-lettered after ${job.attempts} attempt${job.attempts === 1 ? '' : 's'}: ${job.lastError ?? 'no reason recorded'}`;
          return { ok: false, score: null, metrics: {}, artifacts: { failure_reason: message }, failure: { kind: 'crash', message }, stages: 0, durationMs: 0 };
        }
        await delay(pollMs, signal);
      }
    },
  };
}

/** The candidate's files as one hash, independent of key order. */
function contentKey(files: Record<string, string>): string {
  const digest = createHash('sha256');
  for (const path of Object.keys(files).sort()) digest.update(`${path}\0${files[path]}\0`);
  return digest.digest('hex');
}

function delay(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
