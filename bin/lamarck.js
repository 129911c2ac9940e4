#!/usr/bin/env node
// In a source checkout the CLI runs the TypeScript sources directly (Node 22.18+ strips types), so
// it can never run a stale build; the published package ships only `dist/` and runs that.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  // An older Node on the PATH (outside npm scripts and npx): use the Node 24 that the checkout's
  // dev dependency installed, if there is one.
  const bundled = new URL('../node_modules/node/bin/node', import.meta.url);
  if (!existsSync(bundled)) {
    process.stderr.write(`error: lamarck needs Node 22.18 or newer (this is ${process.versions.node})\n`);
    process.exit(1);
  }
  const child = spawnSync(fileURLToPath(bundled), [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}

// `lamarck runs | head -1`: the reader left, which is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);
const entry = existsSync(source) ? source : compiled;
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
