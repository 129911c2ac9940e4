import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { createDemoServer } from './demo-server.ts';

/**
 * The demo MCP server over streamable HTTP on 127.0.0.1, bridged from node:http to the SDK's
 * Web-standard transport. `kill()` drops every connection and stops listening, as a crashed
 * server would; the `crash` tool does the same.
 */
export interface DemoHttpServer {
  url: string;
  kill(): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoHttpServer(): Promise<DemoHttpServer> {
  let httpServer: Server | undefined;
  const kill = async (): Promise<void> => {
    if (httpServer === undefined) return;
    const closing = new Promise<void>((resolve) => httpServer!.close(() => resolve()));
    httpServer.closeAllConnections();
    httpServer = undefined;
    await closing;
  };
  const mcp = createDemoServer({ onCrash: () => void kill() });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
  await mcp.connect(transport);
  httpServer = createServer((request, response) => {
    void handle(transport, request, response);
  });
  await new Promise<void>((resolve) => httpServer!.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    kill,
    async close() {
      await kill();
      await mcp.close().catch(() => undefined);
    },
  };
}

async function handle(transport: WebStandardStreamableHTTPServerTransport, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    }
    const webRequest = new Request(`http://${request.headers.host ?? '127.0.0.1'}${request.url ?? '/'}`, {
      method: request.method ?? 'GET',
      headers,
      ...(body === undefined || request.method === 'GET' || request.method === 'HEAD' ? {} : { body }),
    });
    const webResponse = await transport.handleRequest(webRequest);
    response.writeHead(webResponse.status, Object.fromEntries(webResponse.headers.entries()));
    if (webResponse.body === null) {
      response.end();
      return;
    }
    const reader = webResponse.body.getReader();
    response.on('close', () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      response.write(value);
    }
    response.end();
  } catch (error) {
    if (!response.headersSent) response.writeHead(500);
    response.end(error instanceof Error ? error.message : String(error));
  }
}
