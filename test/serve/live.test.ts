import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveUpdate } from '../../src/serve/api-types.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { serveStore, waitForLiveEvent } from './support/dashboard.ts';
import { programRecord } from './support/program-records.ts';

/**
 * Live updates over Server-Sent Events: another process's writes to the store (here, a second
 * connection to the same SQLite file) reach an open stream as `update` messages naming the run.
 */
let root: string;
let storePath: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'lamarck-serve-live-'));
  storePath = join(root, 'store.db');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('GET /api/live', () => {
  it('reports programs appended by another writer, then the run finishing, and ends when the server closes', async () => {
    const writer = SqliteStore.open({ path: storePath, busyTimeoutMs: 20_000 });
    const run = await writer.createRun({ kind: 'evolve', name: 'live', config: {} });
    await writer.putProgram(programRecord(run.id, 0));
    const served = await serveStore(storePath);
    try {
      const appended = await waitForLiveEvent(
        served.dashboard.url,
        ({ event, data }) => event === 'update' && (JSON.parse(data) as LiveUpdate).runId === run.id && (JSON.parse(data) as LiveUpdate).programs === 3,
        {
          onOpen: async () => {
            await writer.putProgram(programRecord(run.id, 1));
            await writer.putProgram(programRecord(run.id, 2));
          },
        },
      );
      expect(appended.seen[0]!.event).toBe('hello');
      expect(JSON.parse(appended.data)).toMatchObject({ type: 'run', runId: run.id, programs: 3, status: 'running' });

      const finished = await waitForLiveEvent(served.dashboard.url, ({ event, data }) => event === 'update' && (JSON.parse(data) as LiveUpdate).status === 'finished', {
        onOpen: async () => {
          await writer.updateRun(run.id, { status: 'finished', summary: { bestScore: 1 } });
        },
      });
      expect(JSON.parse(finished.data)).toMatchObject({ runId: run.id, status: 'finished' });
      // A new run changes the run list: the Runs page hears a `runs` update.
      const listed = await waitForLiveEvent(served.dashboard.url, ({ event, data }) => event === 'update' && (JSON.parse(data) as LiveUpdate).type === 'runs', {
        onOpen: async () => {
          await writer.createRun({ kind: 'learn', name: 'another', config: {} });
        },
      });
      expect(JSON.parse(listed.data)).toEqual({ type: 'runs', runId: null });

      // A stream left open does not keep the server from closing.
      const response = await fetch(`${served.dashboard.url}/api/live`);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      await served.close();
      // The open stream ends (cleanly or cut) instead of hanging; a hang would time the test out.
      await expect(response.text().then(() => 'ended', () => 'ended')).resolves.toBe('ended');
    } finally {
      await served.close().catch(() => undefined);
      await writer.close();
    }
  });
});
