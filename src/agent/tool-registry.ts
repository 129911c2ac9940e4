import type { AgentTool } from './types.ts';
import { ToolIndex } from './tool-index.ts';

/**
 * Every tool the run can use, from all sources, with the retrieval index kept in step. The model is
 * offered the pinned tools, the tools it found with `search_tools`, and the best matches for the
 * current step; any registered tool may still be called by name.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, AgentTool>();
  private readonly index = new ToolIndex();
  /** Tools the model asked for through search_tools; offered at every later step. */
  private readonly discovered = new Set<string>();

  get size(): number {
    return this.tools.size;
  }

  add(tool: AgentTool): void {
    this.tools.set(tool.name, tool);
    if (tool.pinned === true) this.index.remove(tool.name);
    else this.index.add(tool);
  }

  remove(name: string): boolean {
    this.index.remove(name);
    this.discovered.delete(name);
    return this.tools.delete(name);
  }

  get(name: string): AgentTool | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  list(): AgentTool[] {
    return [...this.tools.values()];
  }

  /** Names of tools whose name starts with `prefix` (an MCP server's namespace). */
  namesWithPrefix(prefix: string): string[] {
    return this.names().filter((name) => name.startsWith(prefix));
  }

  markDiscovered(names: Iterable<string>): void {
    for (const name of names) if (this.tools.has(name)) this.discovered.add(name);
  }

  discoveredNames(): string[] {
    return [...this.discovered];
  }

  search(query: string, limit: number): AgentTool[] {
    return this.index.search(query, limit).map((hit) => this.tools.get(hit.name)!);
  }

  /**
   * The tools offered for one step: pinned, discovered, then the `limit` best matches for `query`.
   * When everything fits within the limit, all tools are offered and retrieval is skipped.
   */
  select(query: string, limit: number): AgentTool[] {
    const chosen: AgentTool[] = [];
    const seen = new Set<string>();
    for (const tool of this.tools.values()) {
      if (tool.pinned === true) {
        chosen.push(tool);
        seen.add(tool.name);
      }
    }
    for (const name of this.discovered) {
      if (seen.has(name)) continue;
      chosen.push(this.tools.get(name)!);
      seen.add(name);
    }
    const unpinned = this.tools.size - seen.size;
    if (unpinned <= limit) {
      for (const tool of this.tools.values()) if (!seen.has(tool.name)) chosen.push(tool);
      return chosen;
    }
    for (const hit of this.index.search(query, limit, seen)) chosen.push(this.tools.get(hit.name)!);
    return chosen;
  }
}
