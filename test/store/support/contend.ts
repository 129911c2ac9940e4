/**
 * A child process for the multi-process test: opens the shared database, waits for "go" on stdin
 * so that every child starts writing at once, then races a commit on the same head, increments a
 * counter and appends programs. Prints one JSON line with what happened.
 */
import { createInterface } from 'node:readline';
import { isLamarckError } from '../../../src/core/errors.ts';
import { SqliteStore } from '../../../src/store/sqlite-store.ts';
import { makeProgram } from '../records.ts';

const [path, artifactId, expectedHead, runId, label, countText] = process.argv.slice(2);
if (path === undefined || artifactId === undefined || expectedHead === undefined || runId === undefined || label === undefined) {
  throw new Error('usage: contend.ts <path> <artifactId> <expectedHead> <runId> <label> <count>');
}
const count = Number(countText ?? '20');
const store = SqliteStore.open({ path, busyTimeoutMs: 20_000 });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
lines.close();

let commit: string;
try {
  await store.commitVersion(artifactId, { content: { by: label }, message: label }, expectedHead);
  commit = 'won';
} catch (error) {
  commit = isLamarckError(error) ? error.code : String(error);
}
const sequences: number[] = [];
for (let index = 0; index < count; index += 1) {
  await store.recordArtifactUse(artifactId, { success: index % 2 === 0 });
  const program = await store.putProgram(makeProgram(runId, `prg_${label}_${index}`));
  sequences.push(program.sequence ?? -1);
}
await store.close();
process.stdout.write(`${JSON.stringify({ label, commit, sequences })}\n`);
