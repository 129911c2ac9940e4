import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * A small but real MCP server (MCP SDK v2) for the agent's tests: arithmetic and echo tools, a
 * tool that adds another tool at run time (so the client sees `notifications/tools/list_changed`),
 * and, when `allowCrash` is set, a tool that makes the host process exit mid-call.
 */
export interface DemoServerOptions {
  /** `crash` ends the process (stdio) or calls this (HTTP) instead of answering. */
  onCrash?: () => void;
}

export function createDemoServer(options: DemoServerOptions = {}): McpServer {
  const server = new McpServer({ name: 'demo', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  server.registerTool(
    'add',
    { description: 'Add two numbers and return the sum.', inputSchema: z.object({ a: z.number(), b: z.number() }) },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  server.registerTool(
    'echo',
    { description: 'Echo the given text back.', inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'fail',
    { description: 'A tool that always reports an error.', inputSchema: z.object({}) },
    async () => ({ content: [{ type: 'text', text: 'this tool always fails' }], isError: true }),
  );
  server.registerTool(
    'unlock_multiply',
    { description: 'Makes a multiply tool available.', inputSchema: z.object({}) },
    async () => {
      server.registerTool(
        'multiply',
        { description: 'Multiply two numbers.', inputSchema: z.object({ a: z.number(), b: z.number() }) },
        async ({ a, b }) => ({ content: [{ type: 'text', text: String(a * b) }] }),
      );
      server.sendToolListChanged();
      return { content: [{ type: 'text', text: 'multiply is now available' }] };
    },
  );
  server.registerTool(
    'crash',
    { description: 'Stops the server abruptly.', inputSchema: z.object({}) },
    async () => {
      if (options.onCrash !== undefined) options.onCrash();
      else process.exit(3);
      return new Promise(() => undefined);
    },
  );
  return server;
}
