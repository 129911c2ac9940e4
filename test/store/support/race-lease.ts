/**
 * A child process for the lease race in the conformance suite: opens the store at the URL it is
 * given, waits for "go" on stdin so that every contender starts at once, then for each round claims
 * the lease of run `race_<round>` (keeping the ones it wins) and compare-and-sets a plain state key.
 * Prints one JSON line (which rounds it won, by each route), then stays alive until told "exit".
 */
import { createInterface } from 'node:readline';
import { isLamarckError } from '../../../src/core/errors.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { RunLease } from '../../../src/store/run-lease.ts';

const [url, label, roundsText] = process.argv.slice(2);
if (url === undefined || label === undefined) throw new Error('usage: race-lease.ts <store-url> <label> <rounds>');
const rounds = Number(roundsText ?? '50');
const store = await openStore({ cwd: process.cwd(), url, busyTimeoutMs: 30_000 });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
/** Waits for the parent's next command line. */
async function waitFor(command: string): Promise<void> {
  for (let next = await lines.next(); !next.done; next = await lines.next()) if (next.value === command) return;
}
await waitFor('go');

const leases: number[] = [];
const refusals: string[] = [];
const swaps: number[] = [];
const held: RunLease[] = [];
for (let round = 0; round < rounds; round += 1) {
  try {
    // Both contenders are alive for the whole race, so only a compare-and-set can tell them apart.
    held.push(await RunLease.acquire({ store, runId: `race_${round}`, heartbeatMs: 3_600_000 }));
    leases.push(round);
  } catch (error) {
    refusals.push(isLamarckError(error) ? error.code : String(error));
  }
  if (await store.compareAndSetState('race', `key_${round}`, undefined, { winner: label })) swaps.push(round);
}
process.stdout.write(`${JSON.stringify({ label, leases, refusals, swaps, owners: held.map((lease) => lease.record.owner) })}\n`);
// Alive until every contender has finished: a lease whose holder has exited is expired, and may
// rightly be taken over by a contender still racing.
await waitFor('exit');
await store.close();
process.exit(0);
