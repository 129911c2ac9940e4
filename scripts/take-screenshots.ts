/**
 * `npm run screenshots`: builds a demo store with real runs (the same as the browser tests use),
 * serves it, and saves screenshots of the main pages to docs/screenshots/ (PNG, 1280 px wide).
 * Needs Chromium (`apt-get install -y chromium`) and a build (`npm run build`).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Library } from '../src/library/library.ts';
import { startDashboard } from '../src/serve/dashboard-server.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import { launchChromium } from '../test/serve/support/browser.ts';
import { buildDemoStore } from '../test/serve/support/demo-store.ts';

const output = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
mkdirSync(output, { recursive: true });
const cwd = mkdtempSync(join(tmpdir(), 'lamarck-screenshots-'));
const demo = await buildDemoStore(cwd, { iterations: 40 });
const store = SqliteStore.open({ path: demo.storePath });
const dashboard = await startDashboard({ store, library: new Library({ store }), port: 0, token: 'screenshot-token-0123456789' });
const browser = await launchChromium();
try {
  const { page, errors } = await browser.page();
  await page.goto(`${dashboard.url}/?token=screenshot-token-0123456789`);
  const index = await store.listPrograms(demo.evolveRunId, { limit: 1000 });
  const best = index.filter((program) => program.status === 'evaluated').sort((left, right) => (right.score ?? 0) - (left.score ?? 0))[0]!;
  const shots: [string, string, string][] = [
    ['runs', '/', '[data-testid=runs-table]'],
    ['evolve-scores', `/runs/${demo.evolveRunId}`, '[data-testid=score-chart] canvas'],
    ['evolve-lineage', `/runs/${demo.evolveRunId}/tree`, '[data-testid=lineage-tree] .tree-node'],
    ['evolve-map-elites', `/runs/${demo.evolveRunId}/population`, '[data-testid=heat-map]'],
    ['evolve-failures', `/runs/${demo.evolveRunId}/failures`, '[data-testid=failure-card]'],
    ['evolve-models', `/runs/${demo.secondEvolveRunId}/models`, '[data-testid=bandit] .bandit-arm'],
    ['evolve-throughput', `/runs/${demo.evolveRunId}/throughput`, '[data-testid=occupancy-chart] canvas'],
    ['program', `/programs/${best.id}/diff`, '[data-testid=diff-parent]'],
    ['learn', `/runs/${demo.learnRunId}`, '[data-testid=gate-card]'],
    ['library-artifact', '/library/lesson/add-carefully', '[data-testid=version-card]'],
    ['trajectory', `/runs/${demo.agentRunId}`, '[data-testid=step]'],
    ['compare', `/compare?runs=${demo.evolveRunId},${demo.secondEvolveRunId}`, '[data-testid=compare-chart] canvas'],
  ];
  for (const [name, path, ready] of shots) {
    for (const theme of name === 'evolve-lineage' ? ['dark'] : ['light']) {
      await page.evaluate(`window.localStorage.setItem('lamarck-theme', '${theme}')`);
      await page.goto(`${dashboard.url}${path}`);
      await page.waitForSelector(ready);
      // Pages whose main view sits below the run's header are shown from their tab bar down.
      if (name === 'evolve-lineage' || name === 'evolve-map-elites' || name === 'evolve-models' || name === 'evolve-throughput') await page.evaluate("document.querySelector('.tabs').scrollIntoView()");
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(output, `${name}.png`), fullPage: false });
      console.log(`docs/screenshots/${name}.png`);
    }
  }
  await page.evaluate("window.localStorage.removeItem('lamarck-theme')");
  if (errors.length > 0) throw new Error(`console errors: ${errors.join('\n')}`);
} finally {
  await browser.close();
  await dashboard.close();
  await store.close();
  rmSync(cwd, { recursive: true, force: true });
}
