import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../core/errors.ts';
import { checkWebBuild } from './web-build-stamp.ts';

/**
 * The built front end (`npm run build` writes it to `dist/web/`), read into memory once: a few
 * hundred kilobytes, served from the package itself with no CDN and no network. Run from the
 * sources (`src/serve/`) the files are found in the checkout's `dist/web/`; run from the package
 * (`dist/serve/`), next to it.
 */
export interface StaticAsset {
  body: Uint8Array;
  contentType: string;
}

export interface StaticAssets {
  directory: string;
  get(path: string): StaticAsset | undefined;
  /** The page every client-side route answers with. */
  index: StaticAsset;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** `moduleUrl`: where this module is (a test places it in a checkout of its own). */
export function defaultAssetDirectory(moduleUrl: string = import.meta.url): string {
  const candidates = [new URL('../web/', moduleUrl), new URL('../../dist/web/', moduleUrl)].map((url) => fileURLToPath(url));
  const found = candidates.find((directory) => existsSync(join(directory, 'index.html')));
  if (found === undefined) {
    throw new InternalError(`the dashboard's pages are not built (looked in ${candidates.join(' and ')}); run npm run build`);
  }
  // In a checkout (from src/serve or dist/serve, the root is two folders up), pages built from
  // older sources are refused at once; the published package has no web/ to compare with.
  checkWebBuild(fileURLToPath(new URL('../../', moduleUrl)), found);
  return found;
}

export function loadStaticAssets(directory: string = defaultAssetDirectory()): StaticAssets {
  const files = new Map<string, StaticAsset>();
  const visit = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        visit(path);
        continue;
      }
      const type = contentTypes[extname(name)];
      if (type === undefined) continue;
      files.set(`/${relative(directory, path).split(sep).join('/')}`, { body: readFileSync(path), contentType: type });
    }
  };
  visit(directory);
  const index = files.get('/index.html');
  if (index === undefined) throw new InternalError(`no index.html in ${directory}; run npm run build`);
  return { directory, index, get: (path) => files.get(path) };
}
