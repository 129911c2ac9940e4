import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { NotFoundError, UsageError } from '../core/errors.ts';
import type { ToolContent } from '../library/artifact-content.ts';
import type { LibraryEntry } from '../library/library-types.ts';
import { parseItemAddress } from './item-addresses.ts';
import { runLibraryTool } from './run-library-tool.ts';
import type { McpSharedOptions } from './server-context.ts';
import { sandboxToolAnnotations } from './tool-annotations.ts';
import { guarded } from './tool-results.ts';

/**
 * `run_tool`: one call of a synthesized tool from the library, in the sandbox with only the
 * capabilities it declared and the server granted. It changes nothing in the library, so it needs
 * no write access; its annotations follow the grants (no hosts granted: a pure computation).
 */
const runToolInput = z.object({
  tool: z.string().min(1).max(400).describe('tool/<name>[@<version>], lamarck://tools/<name>[@<version>], the item name, or the tool\'s own name (word_count).'),
  input: z.record(z.string(), z.unknown()).default({}).describe('The tool\'s input, checked against its inputSchema.'),
});
export const libraryToolRunOutput = z.object({
  tool: z.string(),
  toolName: z.string(),
  version: z.number().int(),
  networkHosts: z.array(z.string()),
  output: z.unknown(),
  logs: z.array(z.string()),
  durationMs: z.number(),
});

export function registerRunTool(server: McpServer, shared: McpSharedOptions): void {
  server.registerTool(
    'run_tool',
    {
      title: 'Run a synthesized tool',
      description: 'Run one of the tools Lamarck synthesized (kind tool in the library) in the QuickJS sandbox with only its granted capabilities, and return its result or its error.',
      inputSchema: runToolInput,
      outputSchema: libraryToolRunOutput,
      annotations: { title: 'Run a synthesized tool', ...sandboxToolAnnotations(shared.networkGrants ?? []) },
    },
    async ({ tool, input }) => guarded(async () => runLibraryTool(await findTool(shared, tool), input, shared.networkGrants ?? [])),
  );
}

/** The tool a reference names, at the version asked for; only an active tool runs, as for the agent. */
async function findTool(shared: McpSharedOptions, reference: string): Promise<LibraryEntry<'tool'>> {
  const library = shared.view.library;
  const trimmed = reference.trim();
  let name: string;
  let version: number | undefined;
  if (trimmed.includes('/')) {
    const address = parseItemAddress(trimmed, 'tool');
    if (address.kind !== 'tool') throw new UsageError(`tool: ${trimmed} is a ${address.kind}, not a tool`);
    name = address.name;
    version = address.version;
  } else {
    // A tool's own name (what the agent calls it) may differ from its item name.
    const byToolName = shared.view.index.active('tool').find((entry) => (entry.content as ToolContent).manifest.name === trimmed);
    name = byToolName?.name ?? trimmed;
  }
  const head = await library.require('tool', name).catch((error: unknown) => {
    throw error instanceof NotFoundError ? new NotFoundError('tool', trimmed) : error;
  });
  if (head.status !== 'active') throw new UsageError(`tool: ${name} is ${head.status}; only active tools run`);
  if (version === undefined || version === head.version.number) return head;
  const chosen = await library.version('tool', name, version);
  return { ...head, version: chosen.version, content: chosen.content };
}
