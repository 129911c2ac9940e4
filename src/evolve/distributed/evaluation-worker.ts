import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { toLamarckError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { ClaimedJob, JobQueue } from '../../queue/types.ts';
import type { Store } from '../../store/types.ts';
import { createEvaluator, type EvaluatorOptions } from '../evaluate/create-evaluator.ts';
import type { Evaluator } from '../types.ts';
import { defaultEvaluationQueue, parseEvaluationJob, problemFromJob, type EvaluationJobResult } from './evaluation-job.ts';
import { materializeProblemSnapshot } from './problem-snapshot.ts';

export interface EvaluationWorkerOptions {
  store: Store;
  queue: JobQueue;
  queueName?: string;
  /** Evaluations at once. Default 1. */
  slots?: number;
  /**
   * The lease each claim asks for; renewed every third of the lease the claim holds (pg-boss holds
   * the lease the coordinator fixed when it queued the job). Default 30 s.
   */
  leaseMs?: number;
  /** How long an idle slot waits before asking again. Default 50 ms. */
  pollMs?: number;
  workerId?: string;
  /** Stop once no job has been claimed for this long (benchmarks, scripts); runs until stopped when absent. */
  exitWhenIdleMs?: number;
  snapshotCacheRoot?: string;
  evaluatorOptions?: EvaluatorOptions;
  onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'job-started'; jobId: string; runId: string; candidateId: string; attempt: number; claimToStartMs: number }
  | { type: 'job-finished'; jobId: string; runId: string; candidateId: string; ok: boolean; durationMs: number; recorded: boolean }
  | { type: 'job-failed'; jobId: string; reason: string; outcome: string }
  | { type: 'lease-lost'; jobId: string };

export interface WorkerSummary {
  workerId: string;
  completed: number;
  failed: number;
  lost: number;
}

/**
 * The loop behind `lamarck worker`: each slot claims an evaluation job, keeps its lease alive with
 * heartbeats, runs the candidate with the problem's own sandboxed evaluator (createEvaluator, the
 * same code and limits as in-process evaluation) against the job's problem snapshot, and records
 * the result. A candidate that fails is a completed job with a failed evaluation; only what keeps
 * the worker from evaluating at all (an unreadable job, a missing snapshot, the evaluator
 * throwing) fails the job, so the queue retries it elsewhere or dead-letters it with the reason.
 * A worker that loses its lease (it stalled past it and another took the job) abandons the
 * evaluation: the result that counts is the other worker's.
 */
export function startEvaluationWorker(options: EvaluationWorkerOptions): { workerId: string; done: Promise<WorkerSummary>; stop(): void } {
  const queueName = options.queueName ?? defaultEvaluationQueue;
  const slots = Math.max(1, Math.floor(options.slots ?? 1));
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 50;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const stopping = new AbortController();
  const evaluators = new Map<string, Evaluator>();
  const summary: WorkerSummary = { workerId, completed: 0, failed: 0, lost: 0 };
  let lastClaimAt = Date.now();
  const emit = (event: WorkerEvent): void => options.onEvent?.(event);

  const evaluatorFor = async (job: ReturnType<typeof parseEvaluationJob> & { ok: true }): Promise<Evaluator> => {
    const key = `${job.job.problem.snapshot}:${JSON.stringify(job.job.problem.evaluator)}:${job.job.problem.entryFile}:${job.job.problem.objective}`;
    let evaluator = evaluators.get(key);
    if (evaluator === undefined) {
      const directory = await materializeProblemSnapshot(options.store, job.job.problem.snapshot, options.snapshotCacheRoot);
      evaluator = createEvaluator(problemFromJob(job.job, directory), options.evaluatorOptions ?? {});
      evaluators.set(key, evaluator);
    }
    return evaluator;
  };

  const runJob = async (claimed: ClaimedJob, claimedAt: number): Promise<void> => {
    const parsed = parseEvaluationJob(claimed.payload);
    if (!parsed.ok) {
      const outcome = await options.queue.fail(claimed, parsed.reason, { permanent: true });
      summary.failed += 1;
      emit({ type: 'job-failed', jobId: claimed.jobId, reason: parsed.reason, outcome });
      return;
    }
    const { runId, candidateId } = parsed.job;
    const lost = new AbortController();
    const heartbeat = setInterval(() => {
      options.queue.heartbeat(claimed, claimed.leaseMs).then(
        (held) => {
          if (!held && !lost.signal.aborted) lost.abort(new Error('the job lease was lost'));
        },
        () => undefined, // A failed heartbeat is retried at the next beat; the lease says whether it still holds.
      );
    }, Math.max(50, Math.floor(claimed.leaseMs / 3)));
    try {
      const evaluator = await evaluatorFor(parsed);
      const startedAt = Date.now();
      emit({ type: 'job-started', jobId: claimed.jobId, runId, candidateId, attempt: claimed.attempt, claimToStartMs: startedAt - claimedAt });
      let evaluation;
      try {
        evaluation = await evaluator.evaluate(parsed.job.files, { signal: lost.signal });
      } catch (error) {
        if (lost.signal.aborted) {
          summary.lost += 1;
          emit({ type: 'lease-lost', jobId: claimed.jobId });
          return;
        }
        throw error;
      }
      const finishedAt = Date.now();
      const result: EvaluationJobResult = { evaluation: evaluation as unknown as JsonObject, workerId, slots, claimedAt, startedAt, finishedAt };
      const recorded = await options.queue.complete(claimed, result);
      if (recorded) summary.completed += 1;
      else summary.lost += 1;
      emit({ type: 'job-finished', jobId: claimed.jobId, runId, candidateId, ok: evaluation.ok, durationMs: finishedAt - startedAt, recorded });
    } catch (error) {
      const reason = toLamarckError(error).message;
      const code = (error as { code?: unknown }).code;
      const permanent = code === 'snapshot-missing' || code === 'snapshot-invalid';
      const outcome = await options.queue.fail(claimed, `worker ${workerId}: ${reason}`, { permanent });
      summary.failed += 1;
      emit({ type: 'job-failed', jobId: claimed.jobId, reason, outcome });
    } finally {
      clearInterval(heartbeat);
    }
  };

  const slot = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      const claimed = await options.queue.claim(queueName, { workerId, leaseMs });
      if (claimed === undefined) {
        if (options.exitWhenIdleMs !== undefined && Date.now() - lastClaimAt > options.exitWhenIdleMs) return;
        await sleep(pollMs, stopping.signal);
        continue;
      }
      const claimedAt = Date.now();
      lastClaimAt = claimedAt;
      await runJob(claimed, claimedAt);
    }
  };

  const done = Promise.all(Array.from({ length: slots }, () => slot())).then(() => summary);
  return { workerId, done, stop: () => stopping.abort() };
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(finish, milliseconds);
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
    signal.addEventListener('abort', finish, { once: true });
  });
}
