import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { UsageError } from '../core/errors.ts';

/**
 * Which sources the dashboard's pages in `dist/web/` were built from. `npm run build` writes a
 * hash of `web/` (and of the build script) beside the pages; a dashboard started in a checkout
 * compares it with the sources it has, and refuses pages built from other ones at once. Before,
 * a checkout whose `web/` had moved on served the old pages, and a browser test waited 45 s for
 * something they never showed. The published package has no `web/` folder, so nothing is checked there.
 */
/** Not one of the served types (static-assets.ts), so the page server never sends it. */
export const webBuildStampName = 'source-hash.txt';

/** The hash of the files the pages are built from, under a checkout's root. */
export function webSourceHash(checkoutRoot: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const visit = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) visit(path);
      else files.push(path);
    }
  };
  visit(join(checkoutRoot, 'web'));
  files.push(join(checkoutRoot, 'scripts', 'build-web.ts'));
  for (const path of files.sort()) {
    hash.update(relative(checkoutRoot, path).split(sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(path));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Written by the build, beside the pages. */
export function writeWebBuildStamp(checkoutRoot: string, builtDirectory: string): void {
  writeFileSync(join(builtDirectory, webBuildStampName), `${webSourceHash(checkoutRoot)}\n`);
}

/**
 * Throws when `builtDirectory` holds pages built from other sources than the checkout's `web/`
 * (or with no stamp, from before stamps). Does nothing when there is no `web/` to compare with.
 */
export function checkWebBuild(checkoutRoot: string, builtDirectory: string): void {
  if (!existsSync(join(checkoutRoot, 'web', 'src'))) return;
  let built: string | undefined;
  try {
    built = readFileSync(join(builtDirectory, webBuildStampName), 'utf8').trim();
  } catch {
    built = undefined;
  }
  if (built === webSourceHash(checkoutRoot)) return;
  throw new UsageError(`the dashboard's pages in ${builtDirectory} were built from other sources than ${join(checkoutRoot, 'web')} (a stale build); run npm run build`, {
    path: builtDirectory,
  });
}
