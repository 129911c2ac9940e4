export * from './types.ts';
export type { RunAgentOptions } from './run-agent-options.ts';
export { runAgent, defaultAgentLimits } from './run-agent.ts';
export { anyOf, answerGiven, budgetLimit, stepLimit, timeLimit, type AgentProgress, type StopCondition } from './stop-conditions.ts';
export { loadRunState, saveRunState, runStateScope, runStateVersion, type RunState } from './run-state.ts';
export {
  createMemoryKnowledge,
  knowledgeSpecificationVersion,
  type AgentKnowledge,
  type Guardrail,
  type KnowledgeUse,
  type Lesson,
  type MemoryKnowledgeContents,
  type SkillSummary,
} from './knowledge.ts';
export { checkGuardrails, type GuardrailVerdict, type PredicateEvaluator } from './guardrails.ts';
export { ToolIndex, tokenize, type IndexedDocument, type ToolSearchHit } from './tool-index.ts';
export { ToolRegistry } from './tool-registry.ts';
export { connectMcpServer, mcpToolName, parseMcpServersConfig, type McpConnection, type McpHooks, type McpServerConfig } from './mcp-tools.ts';
export { createRedactor, redactedMarker, type Redactor, type RedactorOptions } from './redact.ts';
export { compactConversation, estimateConversationTokens, estimateTokens } from './context-window.ts';
export { createWorkspaceTools, resolveInWorkspace, WorkspaceEscapeError } from './tools/workspace-tools.ts';
export { createSandboxTools, loadSynthesizedTools, synthesizedTool } from './tools/sandbox-tools.ts';
export type { ToolRunner } from './tools/tool-runner.ts';
export { frameToolOutput } from './prompt.ts';
