import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelReport, PopulationView, ProgramDetail, RunDetail } from '../../src/serve/api-types.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { launchChromium, requireChromiumOrSkip, until, type Browser } from './support/browser.ts';
import { getJson, serveStore } from './support/dashboard.ts';
import { buildDemoStore, demoModels, hostileMarkup, lamarck, stderrMarker, writeTinyProblem, type DemoStore } from './support/demo-store.ts';
import { programRecord } from './support/program-records.ts';

/**
 * The dashboard in Debian's Chromium, on a store made by real runs. Each test opens pages as a
 * user would, checks what they show against the API and the store, and fails on any console
 * error. Waits are for evidence on the page (text, counts), with generous limits for a busy machine.
 */
const enabled = requireChromiumOrSkip('test/serve/browser.test.ts');
const token = 'browser-test-token-0123456789';
const patience = 45_000;

let root: string;
let demo: DemoStore;
let served: Awaited<ReturnType<typeof serveStore>>;
let browser: Browser;
let base: string;

const api = <T>(path: string) => getJson<T>(base, path, { headers: { Authorization: `Bearer ${token}` } });

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await browser.page();
  await opened.page.goto(`${base}${path}`);
  return opened;
}

async function textOf(page: Page, selector: string): Promise<string> {
  await page.waitForSelector(selector, { timeout: patience });
  return (await page.textContent(selector)) ?? '';
}

/** Waits until the element's text matches. */
async function waitForText(page: Page, selector: string, pattern: RegExp): Promise<string> {
  await until(async () => pattern.test((await page.locator(selector).first().textContent({ timeout: patience })) ?? ''), `${selector} to match ${pattern}`, patience);
  return textOf(page, selector);
}

async function waitForCount(page: Page, selector: string, count: number): Promise<void> {
  await until(async () => (await page.locator(selector).count()) === count, `${count} of ${selector}`, patience);
}

function noErrors(errors: string[]): void {
  expect(errors).toEqual([]);
}

describe.skipIf(!enabled)('the dashboard in Chromium', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'lamarck-serve-browser-'));
    demo = await buildDemoStore(root);
    served = await serveStore(demo.storePath, { token });
    base = served.dashboard.url;
    browser = await launchChromium();
    // One page load with ?token= sets the HttpOnly cookie for the whole browser profile.
    const { page } = await browser.page();
    await page.goto(`${base}/?token=${token}`);
    await page.close();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists the runs, filters them by kind and sorts them by a column', async () => {
    const { page, errors } = await open('/');
    await page.waitForSelector('[data-testid=runs-table] tbody tr [data-testid=run-link]', { timeout: patience });
    const names = async () => page.$$eval('[data-testid=runs-table] tbody tr', (rows) => rows.map((row) => row.textContent ?? ''));
    expect((await names()).length).toBe(4);
    // The static placeholder of index.html is gone once the app has drawn.
    expect(await page.locator('#app > p.loading').count()).toBe(0);
    expect((await names()).join('\n')).toContain(demo.evolveRunId.slice(0, 12));
    await page.selectOption('[data-testid=filter-kind]', 'learn');
    await waitForCount(page, '[data-testid=runs-table] tbody tr', 1);
    expect((await names())[0]).toContain('tasks.jsonl');
    await page.selectOption('[data-testid=filter-kind]', 'evolve');
    await waitForCount(page, '[data-testid=runs-table] tbody tr', 2);
    await page.click('[data-sort=bestScore]');
    await page.waitForSelector('th.sorted [data-sort=bestScore]', { timeout: patience });
    const detail = await api<RunDetail>(`/api/runs/${demo.evolveRunId}`);
    await waitForText(page, '[data-testid=runs-table] tbody tr', new RegExp(demo.evolveRunId.slice(0, 12)));
    await page.click('[data-sort=bestScore]');
    await waitForText(page, '[data-testid=runs-table] tbody tr', new RegExp(demo.secondEvolveRunId.slice(0, 12)));
    expect(detail.row.bestScore).not.toBeNull();
    noErrors(errors);
    await page.close();
  });

  it('goes from a run to its best program to that program’s parent, by clicking', async () => {
    const detail = await api<RunDetail>(`/api/runs/${demo.evolveRunId}`);
    const { page, errors } = await open('/');
    await page.click(`a[href="/runs/${demo.evolveRunId}"]`);
    expect(await textOf(page, '[data-testid=run-id]')).toBe(demo.evolveRunId);
    const shownBest = await textOf(page, '[data-testid=best-score]');
    expect(Number(shownBest)).toBeCloseTo(detail.best!.score as number, 3);
    await page.waitForSelector('[data-testid=score-chart] canvas', { timeout: patience });
    expect(Number(await page.getAttribute('[data-testid=score-chart]', 'data-points'))).toBe(17);
    await page.click('[data-testid=best-score] a');
    expect(await waitForText(page, '[data-testid=program-id]', new RegExp(detail.best!.id))).toBe(detail.best!.id);
    const parentId = (await api<ProgramDetail>(`/api/programs/${detail.best!.id}`)).parent!.id;
    await page.click('[data-testid=parent-link]');
    expect(await waitForText(page, '[data-testid=program-id]', new RegExp(parentId))).toBe(parentId);
    expect(page.url()).toBe(`${base}/programs/${parentId}`);
    noErrors(errors);
    await page.close();
  });

  it('draws the whole lineage tree with evicted parents as ghost nodes, and zooms', async () => {
    const population = await api<PopulationView>(`/api/runs/${demo.evolveRunId}/population`);
    const { page, errors } = await open(`/runs/${demo.evolveRunId}/tree`);
    expect(await waitForText(page, '[data-testid=tree-node-count]', /17 of 17/)).toBe('17 of 17 programs shown');
    expect(await page.locator('[data-testid=lineage-tree] .tree-node').count()).toBe(17);
    expect(await page.locator('[data-testid=lineage-tree] .tree-node.ghost').count()).toBe(population.evicted);
    expect(await page.locator('[data-testid=lineage-tree] .tree-node.status-failed').count()).toBeGreaterThan(0);
    // Select the best program while the whole tree fits: zoomed in, a deep lineage (the tuner
    // climbs from its best child) can put the best node past the panel's edge, under its frame.
    await page.click('[data-testid=lineage-tree] .tree-node.best');
    expect(await textOf(page, '[data-testid=tree-selection]')).toContain('open program');
    const before = await page.getAttribute('[data-testid=lineage-tree] > g', 'transform');
    await page.click('button[aria-label="zoom in"]');
    await until(async () => (await page.getAttribute('[data-testid=lineage-tree] > g', 'transform')) !== before, 'the tree to zoom', patience);
    noErrors(errors);
    await page.close();
  });

  it('shows a failure with its stderr, and hostile markup from code, artifacts and stderr as text', async () => {
    const { page, errors } = await open(`/runs/${demo.evolveRunId}/failures`);
    const stderr = await textOf(page, '[data-testid=stderr-tail]');
    expect(stderr).toContain(stderrMarker);
    expect(stderr).toContain(hostileMarkup);
    const detail = await api<RunDetail>(`/api/runs/${demo.evolveRunId}`);
    await page.goto(`${base}/programs/${detail.best!.id}`);
    expect(await textOf(page, '[data-testid=program-code]')).toContain(hostileMarkup);
    await page.click('[data-testid=tab-evaluation]');
    expect(await textOf(page, '[data-testid=artifact-markup]')).toBe(hostileMarkup);
    expect(await textOf(page, '[data-testid=metrics]')).toContain('naïve ✓ 🧬');
    expect(await page.evaluate('window.__lamarckInjected')).toBeUndefined();
    expect(await page.locator('#app script').count()).toBe(0);
    noErrors(errors);
    await page.close();
  });

  it('shows the MAP-Elites grid, islands, models, insights and throughput tabs', async () => {
    const population = await api<PopulationView>(`/api/runs/${demo.evolveRunId}/population`);
    const { page, errors } = await open(`/runs/${demo.evolveRunId}/population`);
    await page.waitForSelector('[data-testid=heat-cell]', { timeout: patience });
    const filled = new Set(population.cells.map((cell) => cell.coordinates.join(','))).size;
    expect(await page.locator('[data-testid=heat-cell]').count()).toBe(filled);
    expect(await page.locator('[data-testid=islands] tbody tr').count()).toBe(2);
    for (const [tab, ready] of [
      ['models', '[data-testid=cost-chart] canvas'],
      ['insights', '[data-testid=insights]'],
      ['throughput', '[data-testid=occupancy-chart] canvas'],
      ['programs', '[data-testid=programs-table] tbody tr'],
    ] as const) {
      await page.click(`[data-testid=tab-${tab}]`);
      await page.waitForSelector(ready, { timeout: patience });
    }
    noErrors(errors);
    await page.close();
  });

  it("shows an ensemble run's bandit posteriors with the cost coefficient they were scored with", async () => {
    const report = await api<ModelReport>(`/api/runs/${demo.secondEvolveRunId}/models`);
    const { page, errors } = await open(`/runs/${demo.secondEvolveRunId}/models`);
    await waitForCount(page, '[data-testid=bandit] .bandit-arm', report.bandit!.arms.length);
    const arms = await page.$$eval('[data-testid=bandit] .bandit-arm', (elements) => elements.map((element) => element.textContent ?? ''));
    for (const [index, model] of demoModels.entries()) {
      expect(arms[index]).toContain(model);
      expect(arms[index]).toContain(`${report.bandit!.arms[index]!.pulls} pulls`);
      expect(arms[index]).toContain(`next pick ${(report.bandit!.arms[index]!.nextPickChance * 100).toFixed(1)}%`);
    }
    expect(await textOf(page, '[data-testid=bandit-settings]')).toContain('− 0.5 × cost');
    await waitForCount(page, '[data-testid=operator-bandit] .bandit-arm', report.operatorBandit!.arms.length);
    expect(await textOf(page, '[data-testid=operator-bandit-settings]')).toContain('improving calls');
    noErrors(errors);
    await page.close();
  });

  it('shows a learn run’s curve and every gate decision, the rejected ones with their figures', async () => {
    const { page, errors } = await open(`/runs/${demo.learnRunId}`);
    await page.waitForSelector('[data-testid=gate-card]', { timeout: patience });
    const cards = await page.$$eval('[data-testid=gate-card]', (elements) => elements.map((element) => element.textContent ?? ''));
    expect(cards.map((card) => card.split(' ')[0])).toEqual(['committed', 'rejected', 'rejected', 'committed']);
    expect(cards[2]).toContain('fails the no-drop rule');
    expect(cards[2]).toContain('held-out with0');
    expect(await page.locator('[data-testid=learn-tasks] tbody tr').count()).toBe(3);
    expect(await textOf(page, '[data-testid=best-score]')).toBe('2 of 3');
    await page.waitForSelector('[data-testid=learn-chart] canvas', { timeout: patience });
    noErrors(errors);
    await page.close();
  });

  it('shows the library, diffs two versions and rolls back with the token', async () => {
    const { page, errors } = await open('/library');
    await page.click('[data-testid=artifact-link]');
    expect(await textOf(page, '[data-testid=artifact-head]')).toBe('v2');
    expect(await textOf(page, '[data-testid=artifact-diff]')).toContain('+When you add numbers, add them carefully and answer with the number only. Check the sum once before answering.');
    await page.click('[data-testid=rollback-1]');
    await page.click('[data-testid=rollback-1]');
    expect(await waitForText(page, '[data-testid=artifact-head]', /^v1$/)).toBe('v1');
    await page.click('[data-testid=rollback-2]');
    await page.click('[data-testid=rollback-2]');
    expect(await waitForText(page, '[data-testid=artifact-head]', /^v2$/)).toBe('v2');
    noErrors(errors);
    await page.close();
  });

  it('shows an agent run’s steps, its tool call and the tool’s result as text', async () => {
    const { page, errors } = await open(`/runs/${demo.agentRunId}`);
    await page.waitForSelector('[data-testid=step]', { timeout: patience });
    const steps = await textOf(page, '[data-testid=trajectory-steps]');
    expect(steps).toContain('tool-call');
    expect(steps).toContain('notes.txt');
    expect(steps).toContain(hostileMarkup);
    expect(await textOf(page, '[data-testid=agent-answer]')).toContain('The meeting moved to Friday.');
    await page.click('a[href^="/trajectories/"]');
    expect(await textOf(page, '[data-testid=trajectory-task]')).toBe('Read notes.txt and say when the meeting is.');
    expect(await page.evaluate('window.__lamarckInjected')).toBeUndefined();
    noErrors(errors);
    await page.close();
  });

  it('compares two runs on one chart and switches to dark mode', async () => {
    const { page, errors } = await open(`/compare?runs=${demo.evolveRunId},${demo.secondEvolveRunId}`);
    await page.waitForSelector('[data-testid=compare-chart] canvas', { timeout: patience });
    expect(await page.locator('[data-testid=compare-chart] .u-legend .u-series').count()).toBe(3);
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    await page.click('[data-testid=theme-toggle]');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.reload();
    await page.waitForSelector('[data-testid=compare-chart] canvas', { timeout: patience });
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.evaluate("window.localStorage.removeItem('lamarck-theme')");
    noErrors(errors);
    await page.close();
  });

  it('prints NaN and ±Infinity scores and unicode names as such', async () => {
    const store = SqliteStore.open({ path: demo.storePath, busyTimeoutMs: 20_000 });
    const run = await store.createRun({ kind: 'evolve', name: 'edge ✓ 🧬 <i>italic</i>', config: {} });
    await store.putProgram(programRecord(run.id, 0, { score: Number.POSITIVE_INFINITY }));
    await store.putProgram(programRecord(run.id, 1, { score: Number.NEGATIVE_INFINITY }));
    await store.putProgram(programRecord(run.id, 2, { score: 0.5 }));
    await store.close();
    const { page, errors } = await open(`/runs/${run.id}/programs`);
    await page.click('[data-testid=view-all]');
    await waitForCount(page, '[data-testid=programs-table] tbody tr', 3);
    const scores = await page.$$eval('[data-testid=programs-table] tbody tr td:nth-child(3)', (cells) => cells.map((cell) => cell.textContent));
    expect(scores).toEqual(['∞', '−∞', '0.5']);
    expect(await textOf(page, '[data-testid=run-name]')).toBe('edge ✓ 🧬 <i>italic</i>');
    expect(await page.locator('[data-testid=run-name] i').count()).toBe(0);
    noErrors(errors);
    await page.close();
  });

  it('updates a running evolve run’s page over SSE without reloading it', async () => {
    // The evaluator holds the run after 3 evaluations until the test releases it, so the page is
    // certainly looking at a running run, whatever the machine's speed.
    const release = join(root, 'release-live-run');
    const problem = writeTinyProblem(join(root, 'live-problem'), { name: 'live-quadratic', holdAfter: 3, releaseFile: release });
    const evolving = lamarck(demo.cwd, '--json', 'evolve', problem, '--iterations', '10', '--seed', '3');
    let runId: string | undefined;
    let released = false;
    try {
      const store = SqliteStore.open({ path: demo.storePath, busyTimeoutMs: 20_000 });
      try {
        for (let tries = 0; runId === undefined && tries < 1200; tries += 1) {
          runId = (await store.listRuns({ kind: 'evolve' })).find((run) => run.name === 'live-quadratic')?.id;
          if (runId === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await store.close();
      }
      expect(runId).toBeDefined();
      const { page, errors } = await open(`/runs/${runId}`);
      await page.waitForSelector('[data-testid=score-chart] canvas', { timeout: patience });
      await page.waitForSelector('.page-title .badge.status-running', { timeout: patience });
      const firstCount = Number(await textOf(page, '[data-testid=program-count]'));
      const firstPoints = Number(await page.getAttribute('[data-testid=score-chart]', 'data-points'));
      expect(firstCount).toBeLessThanOrEqual(3);
      await page.evaluate("window.__samePage = 'kept'");
      writeFileSync(release, '');
      released = true;
      expect((await evolving).code).toBe(0);
      // The page follows the run to its end (11 programs, finished) through SSE, without a reload.
      await waitForText(page, '[data-testid=program-count]', /^11$/);
      await until(async () => (await page.getAttribute('[data-testid=score-chart]', 'data-points')) === '11', 'the chart to show 11 points', patience);
      expect(Number(await page.getAttribute('[data-testid=score-chart]', 'data-points'))).toBeGreaterThan(firstPoints);
      await page.waitForSelector('.page-title .badge.status-finished', { timeout: patience });
      expect(await page.evaluate('window.__samePage')).toBe('kept');
      expect(await textOf(page, '[data-testid=live-status]')).toBe('live');
      noErrors(errors);
      await page.close();
    } finally {
      if (!released) writeFileSync(release, '');
      await evolving;
    }
  });
});
