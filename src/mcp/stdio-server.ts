import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Readable, Writable } from 'node:stream';
import { createLamarckMcpServer } from './create-server.ts';
import { guardStdioLines } from './stdio-line-guard.ts';
import type { McpSharedOptions } from './server-context.ts';

/**
 * `lamarck mcp` over stdio: one connection, trusted as the environment that started it (write
 * tools are on). Every malformed line gets a JSON-RPC error (`stdio-line-guard.ts`). Resolves when
 * the client closes the connection (stdin ends).
 */
export interface StdioServeOptions {
  shared: McpSharedOptions;
  version: string;
  stdin?: Readable;
  stdout?: Writable;
}

export async function serveMcpStdio(options: StdioServeOptions): Promise<void> {
  const stdin = options.stdin ?? process.stdin;
  const { server } = createLamarckMcpServer(options.shared, { write: true }, options.version);
  const stdout = options.stdout ?? process.stdout;
  // Malformed lines are answered here (the transport would drop them silently); the rest go on.
  const guarded = stdin.pipe(guardStdioLines((error) => stdout.write(`${JSON.stringify(error)}\n`)));
  const transport = new StdioServerTransport(guarded, stdout);
  const closed = new Promise<void>((resolve) => {
    // Chained: the connection's own parts (resource notifications) also clean up on close.
    const previous = server.server.onclose;
    server.server.onclose = () => {
      previous?.();
      resolve();
    };
  });
  await server.connect(transport);
  // However the client leaves (stdin ends or closes), the connection is over.
  const end = (): void => void server.close();
  stdin.once('end', end);
  stdin.once('close', end);
  await closed;
}
