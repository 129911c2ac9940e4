import { request } from 'node:http';
import { Library } from '../../../src/library/library.ts';
import { startDashboard, type DashboardOptions, type RunningDashboard } from '../../../src/serve/dashboard-server.ts';
import { SqliteStore } from '../../../src/store/sqlite-store.ts';
import type { Store } from '../../../src/store/types.ts';

/** A dashboard on a SQLite file, listening on 127.0.0.1 on a free port, and small HTTP helpers. */
export async function serveStore(path: string, options: Partial<DashboardOptions> = {}): Promise<{ dashboard: RunningDashboard; store: Store; close(): Promise<void> }> {
  const store = SqliteStore.open({ path, busyTimeoutMs: 20_000 });
  const dashboard = await startDashboard({ store, library: new Library({ store }), port: 0, pollMs: 100, ...options });
  return {
    dashboard,
    store,
    async close() {
      await dashboard.close();
      await store.close();
    },
  };
}

export async function getJson<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A raw request with any headers (fetch will not send a forged Host). */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    outgoing.on('error', reject);
    if (options.body !== undefined) outgoing.write(options.body);
    outgoing.end();
  });
}

/**
 * Reads Server-Sent Events from `/api/live` until `accept` returns true for one, or the timeout.
 * Returns the accepted event's data and every event seen.
 */
export async function waitForLiveEvent(
  base: string,
  accept: (event: { event: string; data: string }) => boolean,
  options: { headers?: Record<string, string>; timeoutMs?: number; onOpen?: () => Promise<void> } = {},
): Promise<{ data: string; seen: { event: string; data: string }[]; receivedAt: number }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 30_000);
  const seen: { event: string; data: string }[] = [];
  try {
    const response = await fetch(`${base}/api/live`, { signal: controller.signal, headers: options.headers ?? {} });
    if (!response.ok || response.body === null) throw new Error(`/api/live answered ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let opened = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended; seen: ${JSON.stringify(seen)}`);
      buffer += value;
      let boundary = buffer.indexOf('\n\n');
      while (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        boundary = buffer.indexOf('\n\n');
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
        const data = [...block.matchAll(/^data: ?(.*)$/gm)].map((match) => match[1]).join('\n');
        seen.push({ event, data });
        if (event === 'hello' && !opened) {
          opened = true;
          await options.onOpen?.();
        }
        if (accept({ event, data })) {
          const receivedAt = performance.now();
          await reader.cancel();
          return { data, seen, receivedAt };
        }
      }
    }
  } catch (error) {
    if (controller.signal.aborted) throw new Error(`no matching live event within ${options.timeoutMs ?? 30_000} ms; seen: ${JSON.stringify(seen)}`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
