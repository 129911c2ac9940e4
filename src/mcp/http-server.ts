import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { DEFAULT_MAX_REQUEST_BODY_SIZE, readRequestBody, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { UsageError } from '../core/errors.ts';
import { allowedHostNames } from '../serve/security.ts';
import { checkListenOptions } from '../serve/serve-options.ts';
import { createLamarckMcpServer, type LamarckMcpServer } from './create-server.ts';
import { httpError, mcpAccessControl, presentsToken } from './http-access.ts';
import type { McpSharedOptions } from './server-context.ts';

/**
 * `lamarck mcp --http`: Streamable HTTP at `/mcp`, one SDK transport and server per session.
 * Binds to 127.0.0.1 by default; any other address needs a token (refused otherwise, before
 * listening). Write tools need the token whatever the bind: a session opened without it is
 * read-only. Protected-resource metadata is at `/.well-known/oauth-protected-resource`.
 */
export const defaultMcpPort = 4311;
const metadataPath = '/.well-known/oauth-protected-resource';

export interface McpHttpOptions {
  shared: McpSharedOptions;
  version: string;
  host: string;
  port: number;
  token: string | undefined;
  allowHosts?: readonly string[];
}

export interface RunningMcpHttpServer {
  url: string;
  port: number;
  /** Open sessions, for tests and the bench. */
  readonly sessions: number;
  close(): Promise<void>;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  instance: LamarckMcpServer;
}

export async function startMcpHttpServer(options: McpHttpOptions): Promise<RunningMcpHttpServer> {
  const checked = checkListenOptions({ host: options.host, port: options.port, token: options.token });
  let boundPort = checked.port;
  const sessions = new Map<string, Session>();
  const app = new Hono();
  app.use('*', mcpAccessControl({ token: checked.token, allowedHosts: allowedHostNames(checked.host, options.allowHosts), port: () => boundPort, metadataPath }));

  const metadata = (context: { req: { header(name: string): string | undefined } }): Record<string, unknown> => ({
    resource: `http://${context.req.header('host') ?? `127.0.0.1:${boundPort}`}/mcp`,
    resource_name: 'Lamarck library',
    authorization_servers: [],
    bearer_methods_supported: ['header'],
  });
  app.get(metadataPath, (context) => context.json(metadata(context)));
  app.get(`${metadataPath}/mcp`, (context) => context.json(metadata(context)));

  app.all('/mcp', async (context) => {
    const sessionId = context.req.header('mcp-session-id');
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (session === undefined) return context.json(httpError('unknown or closed session; initialize a new one', -32001), 404);
      return session.transport.handleRequest(context.req.raw);
    }
    if (context.req.method !== 'POST') return context.json(httpError('start a session with an initialize POST'), 400);
    // Only an initialize request opens a session; anything else is answered here, cheaply, so a
    // flood of malformed requests never builds a server instance per request.
    const opening = await openingRequestProblem(context.req.raw.clone());
    if (opening !== undefined) return context.json(httpError(opening.message, opening.code), opening.status);
    // A new session: its write access is decided once, by the token its opening request carried.
    const write = presentsToken(context.req.header('authorization'), checked.token);
    const instance = createLamarckMcpServer(
      options.shared,
      write ? { write } : { write, writeRefusal: 'write tools need a token: start lamarck mcp --http with --token <secret> and send Authorization: Bearer <token>' },
      options.version,
    );
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, instance });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    await instance.server.connect(transport);
    const response = await transport.handleRequest(context.req.raw);
    // A request that did not open a session leaves nothing behind.
    if (transport.sessionId === undefined) await instance.server.close();
    return response;
  });
  app.notFound((context) => context.json(httpError(`no such path: ${context.req.path} (the MCP endpoint is /mcp)`), 404));

  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, hostname: checked.host, port: checked.port }) as Server;
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
  });
  boundPort = (server.address() as AddressInfo).port;
  const urlHost = checked.host.includes(':') && !checked.host.startsWith('[') ? `[${checked.host}]` : checked.host;
  return {
    url: `http://${urlHost}:${boundPort}/mcp`,
    port: boundPort,
    get sessions() {
      return sessions.size;
    },
    async close() {
      for (const session of [...sessions.values()]) await session.instance.server.close().catch(() => undefined);
      sessions.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function openingRequestProblem(request: Request): Promise<{ status: 400 | 413; code: number; message: string } | undefined> {
  // Read with the transport's own cap, so a huge body without a session is cut off, not buffered whole.
  const read = await readRequestBody(request, DEFAULT_MAX_REQUEST_BODY_SIZE);
  if (read.tooLarge) return { status: 413, code: -32600, message: `request body over ${DEFAULT_MAX_REQUEST_BODY_SIZE} bytes refused` };
  let body: unknown;
  try {
    body = JSON.parse(read.text);
  } catch (error) {
    return { status: 400, code: -32700, message: `parse error: ${error instanceof Error ? error.message : String(error)}` };
  }
  const messages = Array.isArray(body) ? body : [body];
  const initialize = messages.some((message) => typeof message === 'object' && message !== null && (message as { method?: unknown }).method === 'initialize');
  return initialize ? undefined : { status: 400, code: -32000, message: 'bad request: no session; open one with an initialize request' };
}
