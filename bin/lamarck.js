#!/usr/bin/env node
// The published package runs the compiled CLI; a source checkout without a build runs the
// TypeScript directly (Node 22.18+ strips types), so `npx lamarck` works either way.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const source = new URL('../src/cli/main.ts', import.meta.url);
const entry = existsSync(compiled) ? compiled : source;
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
