import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiveUpdate } from '../../src/serve/api-types.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { launchChromium, requireChromiumOrSkip, until, type Browser } from './support/browser.ts';
import { serveStore } from './support/dashboard.ts';
import { startLiveProxy, type LiveProxy } from './support/live-proxy.ts';
import { programRecord } from './support/program-records.ts';

/**
 * A page in Chromium must end up showing what the store holds even when the live stream did not
 * carry the change: the stream reports changes from its first poll on, so a change made before the
 * page's stream was up (after the page's first fetch), or while a dropped stream was down, never
 * arrives as an update. A proxy holds and cuts the stream, so the test, not the machine's load,
 * decides when it is down; every wait is for evidence on the page or in the dashboard.
 */
const enabled = requireChromiumOrSkip('test/serve/live-browser.test.ts');
const patience = 45_000;

let root: string;
let browser: Browser;
const cleanups: (() => Promise<void>)[] = [];

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent({ timeout: patience })) ?? '';
}

async function waitForText(page: Page, selector: string, pattern: RegExp): Promise<void> {
  await until(async () => pattern.test(await textOf(page, selector)), `${selector} to match ${pattern} (it reads "${await textOf(page, selector).catch(() => '?')}")`, patience);
}

/** An evolve run with one program, a dashboard on its store and a proxy in front of it. */
async function servedRun(name: string): Promise<{ store: SqliteStore; runId: string; served: Awaited<ReturnType<typeof serveStore>>; proxy: LiveProxy }> {
  const path = join(root, `${name}.db`);
  const store = SqliteStore.open({ path, busyTimeoutMs: 20_000 });
  const run = await store.createRun({ kind: 'evolve', name, config: {} });
  await store.putProgram(programRecord(run.id, 0));
  const served = await serveStore(path);
  const proxy = await startLiveProxy(served.dashboard.url);
  cleanups.push(async () => {
    await proxy.close();
    await served.close();
    await store.close();
  });
  return { store, runId: run.id, served, proxy };
}

describe.skipIf(!enabled)('the live stream in Chromium', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'lamarck-live-browser-'));
    browser = await launchChromium();
  }, 120_000);

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows programs stored after the page first fetched but before its stream was up', async () => {
    const { store, runId, proxy } = await servedRun('before-hello');
    proxy.hold();
    const { page } = await browser.page();
    await page.goto(`${proxy.url}/runs/${runId}`);
    await waitForText(page, '[data-testid=program-count]', /^1$/);
    await until(async () => proxy.heldLiveRequests > 0, 'the page to ask for its live stream', patience);
    await store.putProgram(programRecord(runId, 1));
    await store.putProgram(programRecord(runId, 2));
    // The dashboard's first poll for this stream finds three programs and reports changes after that.
    proxy.open();
    await waitForText(page, '[data-testid=live-status]', /^live$/);
    await waitForText(page, '[data-testid=program-count]', /^3$/);
    await page.close();
  });

  it('shows a program announced while its stream was cut, once the stream is back', async () => {
    const { store, runId, served, proxy } = await servedRun('reconnect');
    const { page, errors } = await browser.page();
    await page.goto(`${proxy.url}/runs/${runId}`);
    await waitForText(page, '[data-testid=live-status]', /^live$/);
    await waitForText(page, '[data-testid=program-count]', /^1$/);
    // Another page's stream (here, one in the test) keeps the dashboard polling while this page's is down.
    const announced: LiveUpdate[] = [];
    const unsubscribe = served.dashboard.context.live.subscribe((update) => announced.push(update));
    try {
      proxy.hold();
      proxy.cut();
      await waitForText(page, '[data-testid=live-status]', /^offline$/);
      await store.putProgram(programRecord(runId, 1));
      await until(async () => announced.some((update) => update.runId === runId && update.programs === 2), 'the dashboard to announce the second program', patience);
      const connectionsBefore = proxy.liveConnections;
      proxy.open();
      await until(async () => proxy.liveConnections > connectionsBefore, 'the page to reconnect', patience);
      await waitForText(page, '[data-testid=live-status]', /^live$/);
      await waitForText(page, '[data-testid=program-count]', /^2$/);
    } finally {
      unsubscribe();
    }
    // The cut stream may log its network error; nothing else may.
    expect(errors.filter((error) => !/api\/live|ERR_|network/i.test(error))).toEqual([]);
    await page.close();
  });
});
