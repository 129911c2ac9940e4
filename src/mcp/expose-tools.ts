import { fromJsonSchema, type JsonSchemaType, type McpServer, type RegisteredTool } from '@modelcontextprotocol/server';
import type { ToolContent } from '../library/artifact-content.ts';
import type { LibraryEntry } from '../library/library-types.ts';
import { itemId } from './item-addresses.ts';
import type { LibraryChanges } from './library-changes.ts';
import { libraryToolRunOutput } from './run-tool.ts';
import { runLibraryTool, toolHosts } from './run-library-tool.ts';
import type { McpSharedOptions } from './server-context.ts';
import { sandboxToolAnnotations } from './tool-annotations.ts';
import { guarded } from './tool-results.ts';

/**
 * `lamarck mcp --expose-tools`: every active synthesized tool is also an MCP tool of its own, named
 * as the agent knows it (`word_count`), with the tool's own input schema, so a client calls the
 * tools Lamarck wrote directly. Each call runs exactly as `run_tool` runs it. `sync()` brings the
 * set in line with the library (a new tool, a new head version, a retired tool), after this
 * connection's writes and whenever the change watcher sees a tool move; the SDK tells the client
 * with `notifications/tools/list_changed`.
 *
 * A tool is not offered when its name is one of Lamarck's own tools, when another item already
 * offers that name, or when its input schema is not an object schema (MCP tool inputs are
 * objects); each is told once to the server's log, and `run_tool` still runs it.
 */
export class ExposedTools {
  readonly #server: McpServer;
  readonly #shared: McpSharedOptions;
  readonly #offered = new Map<string, { versionId: string; handle: RegisteredTool }>();
  readonly #told = new Set<string>();

  constructor(server: McpServer, shared: McpSharedOptions) {
    this.#server = server;
    this.#shared = shared;
  }

  /**
   * Offers the tools active now and follows the library from then on, also when another process
   * commits or rolls back a tool; stops following when the connection closes.
   */
  attach(changes: LibraryChanges): void {
    this.sync();
    const stop = changes.subscribe((change) => {
      if (change.items.some((item) => item.kind === 'tool')) this.sync();
    });
    // The transport's owner may set onclose after this; each chains.
    const previous = this.#server.server.onclose;
    this.#server.server.onclose = () => {
      stop();
      previous?.();
    };
  }

  /** The MCP tool names offered now, sorted. */
  get names(): string[] {
    return [...this.#offered.keys()].sort();
  }

  sync(): void {
    const wanted = new Map<string, LibraryEntry<'tool'>>();
    const entries = (this.#shared.view.index.active('tool') as LibraryEntry<'tool'>[]).sort((left, right) => left.name.localeCompare(right.name));
    for (const entry of entries) {
      const name = (entry.content as ToolContent).manifest.name;
      const problem = wanted.has(name)
        ? `${itemId({ kind: 'tool', name: wanted.get(name)!.name })} already offers it`
        : objectSchemaProblem((entry.content as ToolContent).manifest.inputSchema);
      if (problem !== undefined) {
        this.#tell(`${entry.version.id}:${name}`, `--expose-tools: not offering ${itemId({ kind: 'tool', name: entry.name })} as "${name}": ${problem} (run_tool still runs it)`);
        continue;
      }
      wanted.set(name, entry);
    }
    for (const [name, offered] of [...this.#offered]) {
      if (wanted.get(name)?.version.id === offered.versionId) continue;
      offered.handle.remove();
      this.#offered.delete(name);
    }
    for (const [name, entry] of wanted) {
      if (this.#offered.has(name)) continue;
      try {
        this.#offered.set(name, { versionId: entry.version.id, handle: this.#register(name, entry) });
      } catch (error) {
        // The SDK refuses a second tool of one name: this one is Lamarck's own (search_library...).
        if (!(error instanceof Error && /already registered/.test(error.message))) throw error;
        this.#tell(`${entry.version.id}:${name}`, `--expose-tools: not offering ${itemId({ kind: 'tool', name: entry.name })} as "${name}": it is the name of one of lamarck's own tools (run_tool still runs it)`);
      }
    }
  }

  #register(name: string, entry: LibraryEntry<'tool'>): RegisteredTool {
    const manifest = (entry.content as ToolContent).manifest;
    const granted = this.#shared.networkGrants ?? [];
    const title = `${name} (synthesized tool ${itemId({ kind: 'tool', name: entry.name, version: entry.version.number })})`;
    return this.#server.registerTool(
      name,
      {
        title,
        description: `${manifest.description}\n\nSynthesized by Lamarck; runs in a sandbox.`,
        inputSchema: fromJsonSchema<Record<string, unknown>>(manifest.inputSchema as JsonSchemaType),
        outputSchema: libraryToolRunOutput,
        annotations: { title, ...sandboxToolAnnotations(toolHosts(entry, granted)) },
      },
      async (input: Record<string, unknown>) => guarded(async () => runLibraryTool(entry, input, granted)),
    );
  }

  #tell(key: string, line: string): void {
    if (this.#told.has(key)) return;
    this.#told.add(key);
    this.#shared.log(line);
  }
}

function objectSchemaProblem(schema: Record<string, unknown>): string | undefined {
  const type = schema['type'];
  if (type === undefined || type === 'object') return undefined;
  return `its input schema has type ${JSON.stringify(type)}, and MCP tool inputs are objects`;
}
