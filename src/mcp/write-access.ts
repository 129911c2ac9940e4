import type { CallToolResult } from '@modelcontextprotocol/server';
import type { McpSessionAccess } from './server-context.ts';
import { errorResult } from './tool-results.ts';

/**
 * The one check every tool that changes the library makes first. stdio connections have write
 * access (the process that started the server is trusted); an HTTP session has it only when its
 * opening request carried the server's bearer token, whatever address the server is bound to.
 * A refused call is an `isError` result that says how to get access, and nothing is changed.
 */
export function writeRefusal(access: McpSessionAccess, tool: string): CallToolResult | undefined {
  if (access.write) return undefined;
  return errorResult(`${tool} changes the library and this session has no write access: ${access.writeRefusal ?? 'write tools need a token'}`);
}
