import type { CallToolResult } from '@modelcontextprotocol/server';
import type { ToolContent } from '../library/artifact-content.ts';
import type { LibraryEntry } from '../library/library-types.ts';
import { runTool } from '../sandbox/run-tool.ts';
import { parseToolManifest } from '../sandbox/tool-manifest.ts';
import { effectiveHosts } from '../sandbox/tool-network.ts';
import { itemId } from './item-addresses.ts';
import { errorResult, structuredResult } from './tool-results.ts';

/**
 * Runs a synthesized tool kept in the library once, in the QuickJS sandbox, as the agent runs it:
 * its manifest validated again, its input checked against its schema, and only the network hosts
 * it declared AND the server was granted (`--grant-net`); no files are granted over MCP. The
 * tool's own failure (bad input, a throw, a time or memory limit, a denied capability) is an
 * `isError` result with the sandbox's code, never an exception out of the server.
 */
export interface LibraryToolRun {
  tool: string;
  toolName: string;
  version: number;
  networkHosts: string[];
  output: unknown;
  logs: string[];
  durationMs: number;
}

export function toolHosts(entry: LibraryEntry<'tool'>, granted: readonly string[]): string[] {
  return effectiveHosts((entry.content as ToolContent).manifest.capabilities.network, granted);
}

export async function runLibraryTool(entry: LibraryEntry<'tool'>, input: unknown, granted: readonly string[]): Promise<CallToolResult> {
  const content = entry.content as ToolContent;
  const manifest = parseToolManifest(content.manifest, `library tool ${entry.name}`);
  const result = await runTool({ directory: `library:${entry.name}`, manifest, source: content.code }, input, { granted: { network: [...granted] } });
  const id = itemId({ kind: 'tool', name: entry.name, version: entry.version.number });
  if (!result.ok) {
    const logs = result.logs.length === 0 ? '' : `\nlogs:\n${result.logs.join('\n')}`;
    return errorResult(`${id} failed: ${result.error.code}: ${result.error.message}${logs}`);
  }
  const run: LibraryToolRun = {
    tool: id,
    toolName: manifest.name,
    version: entry.version.number,
    networkHosts: effectiveHosts(manifest.capabilities.network, granted),
    output: result.output,
    logs: result.logs,
    durationMs: result.durationMs,
  };
  return structuredResult({ ...run });
}
