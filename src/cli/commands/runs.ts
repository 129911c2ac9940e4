import type { Command } from 'commander';
import { describeOccupancy, readOccupancy } from '../../evolve/distributed/worker-occupancy.ts';
import { runStatusView } from '../../store/run-status.ts';
import type { RunKind } from '../../store/types.ts';
import type { CliContext } from '../context.ts';
import { definedOnly, mapDefined } from '../../core/defined-only.ts';

/**
 * `lamarck runs`: the recorded runs, newest first, with their status and best score. A run stored
 * as running whose process is gone (its lease expired) is shown as `interrupted`.
 */
export function registerRunsCommand(program: Command, context: CliContext): void {
  program
    .command('runs')
    .description('list recorded runs (evolve, learn, agent, curriculum) with status and best score')
    .option('--kind <kind>', 'only runs of this kind: evolve, learn, agent or curriculum')
    .option('--limit <n>', 'at most this many runs', (value: string) => Number(value), 50)
    .action(async (options: { kind?: RunKind; limit: number }, command: Command) =>
      context.action(command, async (output) => {
        const store = await context.existingStore();
        const runs = await store.listRuns({ ...definedOnly({ kind: options.kind }), limit: options.limit });
        const views = await Promise.all(runs.map((run) => runStatusView(store, run)));
        const occupancies = await Promise.all(runs.map((run) => (run.kind === 'evolve' ? readOccupancy(store, run.id) : undefined)));
        if (output.json) {
          output.printJson(
            runs.map((run, index) => {
              const { status, lease } = views[index]!;
              return {
                id: run.id,
                kind: run.kind,
                name: run.name,
                status,
                storedStatus: run.status,
                createdAt: run.createdAt,
                updatedAt: run.updatedAt,
                ...definedOnly({ lease: mapDefined(lease, ({ pid, host, heartbeatAt, timeToLiveMs }) => ({ pid, host, heartbeatAt, timeToLiveMs })) }),
                summary: run.summary,
                ...definedOnly({ workers: occupancies[index] }),
              };
            }),
          );
          return;
        }
        if (runs.length === 0) {
          output.info('no runs recorded yet');
          return;
        }
        for (const [index, run] of runs.entries()) {
          const status = views[index]!.status;
          const best = typeof run.summary['bestScore'] === 'number' ? `best ${run.summary['bestScore']}` : '';
          const iterations = typeof run.summary['iterations'] === 'number' ? `${run.summary['iterations']} iterations` : '';
          const kept = run.kind === 'curriculum' && typeof run.summary['kept'] === 'number' ? `${run.summary['kept']} of ${String(run.summary['generated'])} tasks kept` : '';
          const when = new Date(run.createdAt).toISOString().replace('T', ' ').slice(0, 19);
          const occupancy = occupancies[index];
          const workers = occupancy === undefined ? '' : `workers: ${describeOccupancy(occupancy)}`;
          output.info([run.id, run.kind.padEnd(6), status.padEnd(11), when, run.name, best, iterations, kept, workers].filter((part) => part !== '').join('  '));
        }
        if (runs.some((run, index) => run.kind === 'evolve' && views[index]!.status === 'interrupted')) {
          output.info('an interrupted run lost its process; `lamarck evolve --resume <run>` continues an evolve run');
        }
      }),
    );
}
