import type { JsonValue } from '../core/json.ts';
import type { ToolDefinition } from '../model/types.ts';
import type { RunHandle } from '../core/run-handle.ts';

/** The agent's contract: what a tool is, what a run emits, what it returns. */
export const agentSpecificationVersion = 'v1';

export type ToolSource = 'builtin' | 'mcp' | 'synthesized' | 'custom';

/** What a tool sees while it runs. Deliberately narrow: no access to the run's configuration. */
export interface ToolExecutionContext {
  readonly signal: AbortSignal;
  readonly toolCallId: string;
}

/** A tool's result. `content` is text for the model; `isError` marks a failure the model should see. */
export interface ToolOutput {
  content: string;
  isError?: boolean;
}

export interface AgentTool extends ToolDefinition {
  readonly source: ToolSource;
  /** Offered at every step regardless of retrieval (final_answer, search_tools...). */
  readonly pinned?: boolean;
  execute(input: JsonValue, context: ToolExecutionContext): Promise<ToolOutput>;
}

/** Capabilities the user granted for this run. Frozen: nothing the model or a tool says changes them. */
export interface AgentCapabilities {
  /** Hosts (exact names) that network-capable tools may reach. Empty: network off. */
  readonly networkHosts: readonly string[];
  /** Whether tools may write files in the workspace. */
  readonly writeFiles: boolean;
}

export interface AgentLimits {
  /** Model calls in the executor loop (the plan step is not counted). Default 20. */
  maxSteps?: number;
  /** Wall time for the whole run. */
  maxTimeMs?: number;
  /** Context budget in estimated tokens; older turns are compacted beyond it. Default 24,000. */
  contextTokens?: number;
  /** Tool results longer than this (characters) are stored as references. Default 4,000. */
  resultReferenceChars?: number;
  /** Tools offered per step besides the pinned ones. Default 12. */
  toolsPerStep?: number;
  /** Per tool call. Default 30 s. */
  toolTimeoutMs?: number;
  /** Time limit of one sandboxed call (run_javascript, synthesized tools, predicates). Default 5 s. */
  sandboxTimeoutMs?: number;
  /** Sandbox memory per synthesized tool call. Default 64 MiB. */
  sandboxMemoryBytes?: number;
  /** Stop once the run has spent this much (also enforceable per call through a UsageMeter). */
  maxUsd?: number;
  maxTokens?: number;
}

export type AgentStopReason = 'answered' | 'step-limit' | 'time-limit' | 'budget' | 'aborted' | 'error';

export type AgentRunStatus = 'answered' | 'stopped' | 'failed';

export interface AgentUsage {
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface AgentResult {
  runId: string;
  trajectoryId: string;
  status: AgentRunStatus;
  stopReason: AgentStopReason;
  answer: string | null;
  steps: number;
  usage: AgentUsage;
  /** Set when the run stopped or failed on an error (budget, model failure). */
  error?: { code: string; message: string };
}

export type AgentEvent =
  | { type: 'run-started'; runId: string; trajectoryId: string; task: string; model: string; resumed: boolean }
  | { type: 'plan-written'; plan: string }
  | { type: 'model-called'; step: number; text: string; toolCalls: number; inputTokens: number; outputTokens: number; costUsd: number; latencyMs: number }
  | { type: 'tool-called'; step: number; toolCallId: string; name: string; input: JsonValue }
  | { type: 'tool-finished'; step: number; toolCallId: string; name: string; isError: boolean; chars: number; referenceId?: string }
  | { type: 'guardrail-blocked'; step: number; toolCallId: string; name: string; guardrail: string; reason: string }
  | { type: 'tools-changed'; source: string; added: string[]; removed: string[] }
  | { type: 'server-failed'; server: string; message: string }
  | { type: 'context-compacted'; removedMessages: number; tokensBefore: number; tokensAfter: number }
  | { type: 'skill-activated'; name: string }
  | { type: 'state-saved'; step: number }
  | { type: 'run-finished'; result: AgentResult };

/** Where run state is kept so a crashed or budget-stopped run can continue. */
export interface RunStateTarget {
  /** Saved with `store.putState('agent-run', runId, state)`. */
  store?: boolean;
  /** A JSON file, written atomically after every step. */
  file?: string;
}

/**
 * A started run: the one RunHandle shape. Its ids arrive with the `run-started` event (when `runId`
 * resolves) and in the result; `stop()` ends it as `stopped` (reason `aborted`), its state saved for `--resume`.
 */
export interface AgentRun extends RunHandle<AgentEvent, AgentResult> {
  /** The capabilities the run holds (frozen). */
  readonly capabilities: AgentCapabilities;
}
