import { readFileSync } from 'node:fs';

/** The package's version, as serverInfo reports it; `src/mcp/` and `dist/mcp/` both sit two folders below package.json. */
export function serverVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
