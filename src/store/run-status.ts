import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { leaseExpired, parseLease, processIsAlive, readRunLease, type RunLeaseRecord } from './run-lease.ts';
import type { RunRecord, RunStatus, Store } from './types.ts';

/**
 * The status a reader shows for a run. The stored status stays what the run's own process last
 * wrote; `interrupted` is derived on reading: a run stored as `running` whose lease has expired
 * (not renewed within its time to live, or its holder on this host is gone) has no process working
 * on it. Deriving it, rather than writing it when a reader notices, keeps read-only commands
 * read-only, needs no race with a process resuming the run at that moment, and is right at once
 * after a `--resume` takes a fresh lease.
 *
 * A running run with no lease at all (written by a release before leases, or killed in the instant
 * between creating the run and claiming it) is shown as stored: there is no evidence either way.
 */
export type ShownRunStatus = RunStatus | 'interrupted';

export interface RunStatusView {
  status: ShownRunStatus;
  /** The run's lease, when one is stored. */
  lease: RunLeaseRecord | undefined;
}

export interface RunStatusOptions {
  clock?: Clock;
  host?: string;
  isAlive?: (pid: number) => boolean;
}

/** Evolve runs of earlier releases kept their lease in the engine's state scope. */
function legacyLeaseScope(runId: string): string {
  return `evolve:${runId}`;
}

export async function runStatusView(store: Store, run: RunRecord, options: RunStatusOptions = {}): Promise<RunStatusView> {
  if (run.status !== 'running') return { status: run.status, lease: undefined };
  const lease = (await readRunLease(store, run.id)) ?? parseLease(await store.getState(legacyLeaseScope(run.id), 'lease'));
  if (lease === undefined) return { status: 'running', lease };
  const now = (options.clock ?? systemClock).now();
  const expired = leaseExpired(lease, now, { host: options.host ?? hostname(), isAlive: options.isAlive ?? processIsAlive });
  return { status: expired ? 'interrupted' : 'running', lease };
}

/** The shown status of a run (see runStatusView). */
export async function shownRunStatus(store: Store, run: RunRecord, options: RunStatusOptions = {}): Promise<ShownRunStatus> {
  return (await runStatusView(store, run, options)).status;
}
