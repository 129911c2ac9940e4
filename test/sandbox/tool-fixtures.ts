import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { runTool, type RunToolOptions } from '../../src/sandbox/run-tool.ts';
import { parseToolManifest, type LoadedTool } from '../../src/sandbox/tool-manifest.ts';

/** A tool held in memory: the same shape loadTool returns, without touching the disk. */
export function inlineTool(source: string, manifest: Record<string, unknown> = {}): LoadedTool {
  return {
    directory: '(inline)',
    manifest: parseToolManifest({ name: 'inline_tool', description: 'a tool written inline by a test', ...manifest }),
    source,
  };
}

/** A tight time limit keeps spinning tools quick to stop; only tests that expect `timeout` use it. */
export const hostileLimits: RunToolOptions = { timeoutMs: 400, memoryLimitBytes: 16 * 1024 * 1024 };
/**
 * Everything else gets a time limit no busy machine reaches, so the outcome is decided by what the
 * tool did (a memory blow-up, a denied capability, a result) and never by the clock.
 */
export const ordinaryLimits: RunToolOptions = { timeoutMs: 30_000, memoryLimitBytes: 16 * 1024 * 1024 };

export function runInline(source: string, input: unknown = null, options: RunToolOptions = ordinaryLimits, manifest: Record<string, unknown> = {}) {
  return runTool(inlineTool(source, manifest), input, options);
}

/** After any hostile call, an ordinary call must still work. */
export async function expectSandboxStillWorks(): Promise<void> {
  const result = await runInline('export default async (input) => ({ sum: input.a + input.b, clean: ({}).polluted === undefined })', { a: 2, b: 3 });
  expect(result).toMatchObject({ ok: true, output: { sum: 5, clean: true } });
}

export interface LocalServer {
  origin: string;
  port: number;
  requests: Array<{ method: string; url: string; body: string }>;
  close(): Promise<void>;
}

/** A tiny HTTP server on 127.0.0.1 that records every request it gets. */
export async function startLocalServer(handler: (request: IncomingMessage, body: string) => { status?: number; headers?: Record<string, string>; body: string }): Promise<LocalServer> {
  const requests: LocalServer['requests'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? 'GET', url: request.url ?? '/', body });
      const reply = handler(request, body);
      response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      response.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
