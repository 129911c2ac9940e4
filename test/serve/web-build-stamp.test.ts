import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultAssetDirectory, loadStaticAssets } from '../../src/serve/static-assets.ts';
import { checkWebBuild, webBuildStampName, writeWebBuildStamp } from '../../src/serve/web-build-stamp.ts';

/**
 * A checkout's `dist/web` built from older `web/` sources is refused when the dashboard starts,
 * at once and with the fix named (issue #16: a stale build was served as it was, and a browser
 * test waited 45 s for a chart the old pages never drew). Each case builds a small checkout of its own.
 */
let checkout: string;
/** Where static-assets.ts would be in this checkout, run from the sources. */
let moduleUrl: string;
const built = (): string => join(checkout, 'dist', 'web');

beforeEach(() => {
  checkout = mkdtempSync(join(tmpdir(), 'lamarck-web-build-'));
  mkdirSync(join(checkout, 'web', 'src'), { recursive: true });
  mkdirSync(join(checkout, 'scripts'));
  mkdirSync(join(checkout, 'src', 'serve'), { recursive: true });
  mkdirSync(built(), { recursive: true });
  writeFileSync(join(checkout, 'web', 'index.html'), '<!doctype html><div id="app"></div>');
  writeFileSync(join(checkout, 'web', 'src', 'main.tsx'), 'render(<App />);');
  writeFileSync(join(checkout, 'scripts', 'build-web.ts'), '// builds web/ into dist/web');
  writeFileSync(join(built(), 'index.html'), '<!doctype html><div id="app"></div>');
  moduleUrl = pathToFileURL(join(checkout, 'src', 'serve', 'static-assets.ts')).href;
});

afterEach(() => {
  rmSync(checkout, { recursive: true, force: true });
});

describe("the dashboard's build stamp", () => {
  it('accepts pages built from the sources the checkout has', () => {
    writeWebBuildStamp(checkout, built());
    expect(defaultAssetDirectory(moduleUrl)).toBe(`${built()}/`);
  });

  it('refuses pages built before a page source changed, naming the build and the fix', () => {
    writeWebBuildStamp(checkout, built());
    writeFileSync(join(checkout, 'web', 'src', 'main.tsx'), 'render(<App live />);');
    expect(() => defaultAssetDirectory(moduleUrl)).toThrow(
      `the dashboard's pages in ${built()}/ were built from other sources than ${join(checkout, 'web')} (a stale build); run npm run build`,
    );
  });

  it('refuses pages with no stamp (built before stamps), and a new source file or a changed build script', () => {
    expect(() => checkWebBuild(checkout, built())).toThrow(/a stale build/);
    writeWebBuildStamp(checkout, built());
    writeFileSync(join(checkout, 'web', 'src', 'live.ts'), 'export const live = true;');
    expect(() => checkWebBuild(checkout, built())).toThrow(/a stale build/);
    writeWebBuildStamp(checkout, built());
    writeFileSync(join(checkout, 'scripts', 'build-web.ts'), '// builds web/ into dist/web, minified');
    expect(() => checkWebBuild(checkout, built())).toThrow(/a stale build/);
  });

  it('checks nothing where there are no page sources to compare with (the published package)', () => {
    rmSync(join(checkout, 'web'), { recursive: true });
    expect(() => checkWebBuild(checkout, built())).not.toThrow();
  });

  it('is never served as a page', () => {
    writeWebBuildStamp(checkout, built());
    expect(loadStaticAssets(built()).get(`/${webBuildStampName}`)).toBeUndefined();
  });
});
