/**
 * Builds the dashboard's pages (`web/`) into `dist/web/` with esbuild: one JavaScript bundle and
 * one stylesheet, minified, with everything they need inside (Preact, uPlot, d3-hierarchy), so
 * `lamarck serve` loads nothing from a CDN. Run by `npm run build`.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeWebBuildStamp } from '../src/serve/web-build-stamp.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = `${root}dist/web`;
mkdirSync(`${outdir}/assets`, { recursive: true });

const result = await build({
  entryPoints: { app: `${root}web/src/main.tsx` },
  outdir: `${outdir}/assets`,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
copyFileSync(`${root}web/index.html`, `${outdir}/index.html`);
copyFileSync(`${root}web/favicon.svg`, `${outdir}/favicon.svg`);
// Which sources these pages are: a dashboard started in this checkout refuses them once web/ changes.
writeWebBuildStamp(root, outdir);
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
if (process.env['LAMARCK_BUILD_QUIET'] === undefined) console.log(`web: ${Object.keys(result.metafile.outputs).length} files, ${Math.round(bytes / 1024)} KiB in dist/web`);
