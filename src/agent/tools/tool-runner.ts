import type { JsonValue } from '../../core/json.ts';
import { runTool, type RunToolOptions, type ToolResult } from '../../sandbox/run-tool.ts';
import type { LoadedTool } from '../../sandbox/tool-manifest.ts';

/**
 * How the agent runs sandboxed code: the sandbox module's QuickJS tool runner by default, or any
 * function of the same shape (tests inject failing or counting runners). It never throws for what
 * a tool does; failures come back as `{ ok: false, error }`.
 */
export type ToolRunner = (tool: string | LoadedTool, input: JsonValue, options: RunToolOptions) => Promise<ToolResult>;

export const defaultToolRunner: ToolRunner = runTool;

export type { LoadedTool, RunToolOptions, ToolResult };
