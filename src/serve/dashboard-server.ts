import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { UsageError } from '../core/errors.ts';
import type { Library } from '../library/library.ts';
import type { Store } from '../store/types.ts';
import { createDashboardApp } from './app.ts';
import type { DashboardContext } from './dashboard-context.ts';
import { LiveUpdates } from './live-updates.ts';
import { PopulationCache } from './queries/population-view.ts';
import { RunProgramsCache } from './run-programs.ts';
import { createResponseFilter } from './safe-json.ts';
import { allowedHostNames } from './security.ts';
import { checkListenOptions, defaultHost, defaultPort } from './serve-options.ts';
import { loadStaticAssets } from './static-assets.ts';
import { definedOnly } from '../core/defined-only.ts';

export interface DashboardOptions {
  store: Store;
  /** The library over the same store; rollback goes through it, as `lamarck skills rollback` does. */
  library: Library;
  host?: string;
  port?: number;
  token?: string | undefined;
  /** Extra names `Host` may carry (a DNS name or a reverse proxy's). */
  allowHosts?: readonly string[];
  /** Values never to show (configured API keys); secret-named variables of `env` are hidden too. */
  secrets?: readonly string[];
  env?: Record<string, string | undefined>;
  /** How often the live poller reads the store. Default 500 ms. */
  pollMs?: number;
  assetsDirectory?: string;
  version?: string;
  now?: () => number;
}

export interface Dashboard {
  app: Hono;
  context: DashboardContext;
  close(): Promise<void>;
}

export interface RunningDashboard extends Dashboard {
  url: string;
  host: string;
  port: number;
}

/** The app and its state, without a socket (tests use `app.request()`; `startDashboard` listens). */
export function createDashboard(options: DashboardOptions, port: () => number = () => options.port ?? defaultPort): Dashboard {
  const host = options.host ?? defaultHost;
  const pollMs = options.pollMs ?? 500;
  const live = new LiveUpdates(options.store, pollMs);
  const context: DashboardContext = {
    store: options.store,
    library: options.library,
    programs: new RunProgramsCache(options.store),
    populations: new PopulationCache(options.store),
    live,
    filter: createResponseFilter({ secrets: [...(options.secrets ?? []), ...(options.token === undefined ? [] : [options.token])], ...definedOnly({ env: options.env }) }),
    policy: { token: options.token, allowedHosts: allowedHostNames(host, options.allowHosts), port },
    assets: loadStaticAssets(options.assetsDirectory),
    version: options.version ?? packageVersion(),
    pollMs,
    now: options.now ?? Date.now,
  };
  return { app: createDashboardApp(context), context, close: () => live.close() };
}

/** The package's version; `src/serve/` and `dist/serve/` both sit two folders below package.json. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Checks the bind (a reachable address needs a token), listens, and resolves once it does. */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const checked = checkListenOptions({ host: options.host ?? defaultHost, port: options.port ?? defaultPort, token: options.token });
  let boundPort = checked.port;
  const dashboard = createDashboard({ ...options, host: checked.host }, () => boundPort);
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: dashboard.app.fetch, hostname: checked.host, port: checked.port }) as Server;
    created.once('listening', () => resolve(created));
    created.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UsageError(`port ${checked.port} on ${checked.host} is in use: pass --port <n> (or --port 0 for any free port)`)
          : error.code === 'EADDRNOTAVAIL'
            ? new UsageError(`cannot listen on ${checked.host}: no such address on this machine`)
            : error,
      );
    });
  }).catch(async (error: unknown) => {
    await dashboard.close();
    throw error;
  });
  boundPort = (server.address() as AddressInfo).port;
  const urlHost = checked.host.includes(':') && !checked.host.startsWith('[') ? `[${checked.host}]` : checked.host;
  return {
    ...dashboard,
    url: `http://${urlHost}:${boundPort}`,
    host: checked.host,
    port: boundPort,
    async close() {
      await dashboard.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
