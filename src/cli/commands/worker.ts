import type { Command } from 'commander';
import { defaultEvaluationQueue } from '../../evolve/distributed/evaluation-job.ts';
import { startEvaluationWorker, type WorkerEvent } from '../../evolve/distributed/evaluation-worker.ts';
import { openJobQueue } from '../../queue/open-job-queue.ts';
import type { CliContext } from '../context.ts';
import type { Output } from '../output.ts';
import { positiveInteger, positiveNumber } from '../option-parsers.ts';
import { definedOnly, mapDefined } from '../../core/defined-only.ts';

interface WorkerCommandOptions {
  slots: number;
  queue: string;
  leaseSeconds: number;
  exitWhenIdle?: number;
}

/**
 * `lamarck worker`: takes evaluation jobs from the store's queue (`evolve --workers external`
 * enqueues them) and runs them in the same sandbox, with the same limits, as in-process
 * evaluation. Any number of workers on any machine that sees the same store. Ctrl-C (or SIGTERM)
 * stops claiming and lets the evaluations in progress finish; a worker killed outright loses its
 * jobs to others once their leases expire.
 */
export function registerWorkerCommand(program: Command, context: CliContext): void {
  program
    .command('worker')
    .description('take evaluation jobs from the queue of a shared store and run them (evolve --workers external)')
    .option('--slots <n>', 'evaluations at once', positiveInteger, 1)
    .option('--queue <name>', 'the queue to take jobs from', defaultEvaluationQueue)
    .option(
      '--lease-seconds <n>',
      'SQLite job table: how long a claimed job stays ours without a heartbeat (on PostgreSQL, the lease evolve --job-lease-seconds fixed for the job); heartbeats every third of the lease',
      positiveNumber,
      30,
    )
    .option('--exit-when-idle <seconds>', 'stop once no job has come for this long (default: run until stopped)', positiveNumber)
    .action(async (options: WorkerCommandOptions, command: Command) =>
      context.action(command, async (output) => {
        // `--store` (a global option) names the coordinator's store; the queue is the one beside it.
        const store = await context.store();
        const queue = await openJobQueue(store, await context.storeTarget());
        try {
          const worker = startEvaluationWorker({
            store,
            queue,
            queueName: options.queue,
            slots: options.slots,
            leaseMs: options.leaseSeconds * 1000,
            ...definedOnly({ exitWhenIdleMs: mapDefined(options.exitWhenIdle, (seconds) => seconds * 1000) }),
            onEvent: (event) => report(event, output),
          });
          output.info(`worker ${worker.workerId} (pid ${process.pid}): ${options.slots} slot${options.slots === 1 ? '' : 's'} on queue ${options.queue} (${queue.kind}, ${queue.location})`);
          const onSignal = (): void => worker.stop();
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          try {
            const summary = await worker.done;
            if (output.json) output.printJson(summary);
            else output.info(`worker ${summary.workerId}: ${summary.completed} completed, ${summary.failed} failed, ${summary.lost} lost to an expired lease`);
          } finally {
            process.removeListener('SIGINT', onSignal);
            process.removeListener('SIGTERM', onSignal);
          }
        } finally {
          await queue.close();
        }
      }),
    );
}

function report(event: WorkerEvent, output: Output): void {
  switch (event.type) {
    case 'job-started':
      if (output.verbose) output.info(`job ${event.jobId}: candidate ${event.candidateId} of run ${event.runId}, attempt ${event.attempt}, started ${event.claimToStartMs} ms after the claim`);
      return;
    case 'job-finished':
      output.info(`job ${event.jobId}: candidate ${event.candidateId} ${event.ok ? 'evaluated' : 'failed'} in ${(event.durationMs / 1000).toFixed(2)} s${event.recorded ? '' : ' (not recorded: the lease was lost)'}`);
      return;
    case 'job-failed':
      output.warn(`job ${event.jobId}: ${event.reason} (${event.outcome === 'dead' ? 'dead-lettered' : event.outcome === 'retrying' ? 'to be retried' : 'lease lost'})`);
      return;
    case 'lease-lost':
      output.warn(`job ${event.jobId}: lease lost; the evaluation was abandoned to the worker that took it over`);
      return;
  }
}
