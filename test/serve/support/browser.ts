import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core. The network here is closed, so Chromium is started
 * with everything that would phone home turned off and a fresh profile. Locally the browser tests
 * are skipped (and say so) when no Chromium is installed; in CI (CI=true) a missing Chromium fails.
 */
export const chromiumPath = process.env['LAMARCK_CHROMIUM'] ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath);
}

/** Throws in CI when Chromium is missing; elsewhere prints one clear line and returns false. */
export function requireChromiumOrSkip(suite: string): boolean {
  if (chromiumAvailable()) return true;
  const message = `${suite}: browser tests skipped, no Chromium at ${chromiumPath} (install it with apt-get install -y chromium)`;
  if (process.env['CI'] === 'true') throw new Error(`${message}; CI must run them`);
  console.warn(`\n*** ${message} ***\n`);
  return false;
}

export interface Browser {
  context: BrowserContext;
  /** A new page that records console errors and page errors. */
  page(): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'lamarck-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  return {
    context,
    async page() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Polls a check made from the test side (Playwright calls) until it holds; fails with `what` after the limit. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
