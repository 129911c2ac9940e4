import type { Clock } from '../core/clock.ts';
import type { JsonObject } from '../core/json.ts';
import type { LanguageModelClient, UsageMeter } from '../model/types.ts';
import type { Store } from '../store/types.ts';
import type { AgentKnowledge } from './knowledge.ts';
import type { McpServerConfig } from './mcp-tools.ts';
import type { RunState } from './run-state.ts';
import type { StopCondition } from './stop-conditions.ts';
import type { ToolRunner } from './tools/tool-runner.ts';
import type { AgentCapabilities, AgentEvent, AgentLimits, AgentTool, RunStateTarget } from './types.ts';

// The options of runAgent live apart from types.ts because they name the MCP, run-state and
// stop-condition shapes, and those files themselves build on types.ts: keeping them here keeps the
// agent's import graph free of cycles.
export interface RunAgentOptions {
  task: string;
  model: LanguageModelClient;
  store?: Store;
  /** Extra tools (custom code); built-in tools are added unless `builtinTools` is false. */
  tools?: AgentTool[];
  builtinTools?: boolean;
  /** Directory the file tools work in; without it the file tools are not offered. */
  workspace?: string;
  /** Directories holding synthesized tools (each subdirectory with tool.json + index.js). */
  toolDirectories?: string[];
  mcpServers?: McpServerConfig[];
  knowledge?: AgentKnowledge;
  limits?: AgentLimits;
  /** Extra stop conditions, composed with the limits. */
  stopWhen?: StopCondition[];
  capabilities?: Partial<AgentCapabilities>;
  /** Write a short plan before acting. */
  plan?: boolean;
  meter?: UsageMeter;
  signal?: AbortSignal;
  clock?: Clock;
  /** Environment whose secret-looking values are redacted from everything stored. */
  env?: Record<string, string | undefined>;
  /** Names of further environment variables whose values are secret. */
  secretEnvNames?: string[];
  saveState?: RunStateTarget;
  /** A run id (loaded from the store), a file path (`{ file }`), or a state object to continue. */
  resume?: string | { file: string } | RunState;
  runId?: string;
  taskId?: string;
  /** Runs synthesized tools and sandboxed JavaScript; defaults to the QuickJS sandbox. */
  toolRunner?: ToolRunner;
  /** Extra instructions appended to the system prompt. */
  instructions?: string;
  metadata?: JsonObject;
  /** Called for every event, before the `events` stream sees it. */
  onEvent?: (event: AgentEvent) => void;
}
