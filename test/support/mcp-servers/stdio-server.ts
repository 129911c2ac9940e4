import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { createDemoServer } from './demo-server.ts';

/** Entry point of the demo MCP server over stdio: `node test/support/mcp-servers/stdio-server.ts`. */
const server = createDemoServer();
await server.connect(new StdioServerTransport());
