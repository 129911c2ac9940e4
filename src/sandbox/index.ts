/**
 * Running untrusted code. Two sandboxes, for two kinds of code, both behind the versioned Sandbox
 * contract (`sandbox-contract.ts`: `createProcessSandbox`, `createQuickJsSandbox`):
 * - `runProcess`: any-language evaluators and candidate programs, as a child process group with
 *   wall-time, memory and output limits, killed as a whole.
 * - `runTool` / `runInQuickJs`: synthesized JavaScript tools in QuickJS compiled to WebAssembly,
 *   in a pool of worker threads, with time, memory and stack limits and no I/O except
 *   capabilities both declared and granted.
 */
export { runProcess, minimalEnvironment, DEFAULT_MAX_OUTPUT_BYTES, type ProcessResult, type RunProcessOptions } from './run-process.ts';
export {
  sandboxContractVersion,
  sandboxOutcomeKinds,
  type Sandbox,
  type SandboxEvidence,
  type SandboxLimits,
  type SandboxOutcomeKind,
  type SandboxResult,
  type SandboxRunOptions,
} from './sandbox-contract.ts';
export { createProcessSandbox, processSandboxResult, type ProcessUnit } from './process-sandbox.ts';
export { killAllProcessGroups, liveProcessGroupCount } from './process-group-registry.ts';
export { OutputCapture } from './output-capture.ts';

export {
  runTool,
  DEFAULT_TOOL_MEMORY_LIMIT_BYTES,
  DEFAULT_TOOL_TIMEOUT_MS,
  type RunToolOptions,
  type ToolErrorCode,
  type ToolGrants,
  type ToolResult,
} from './run-tool.ts';
export {
  runInQuickJs,
  createQuickJsSandbox,
  type QuickJsUnit,
  warmUpQuickJs,
  configureQuickJsPool,
  closeQuickJsPool,
  sharedQuickJsPool,
  QuickJsPool,
  DEFAULT_STACK_LIMIT_BYTES,
  MAX_STACK_LIMIT_BYTES,
  DEFAULT_MAX_TOOL_OUTPUT_BYTES,
  type QuickJsOutcome,
  type QuickJsPoolOptions,
  type QuickJsPoolStats,
  type QuickJsRunOptions,
  type SandboxErrorCode,
  type SandboxFailure,
} from './quickjs-sandbox.ts';
export {
  loadTool,
  parseToolManifest,
  checkToolInput,
  checkToolOutput,
  toolManifestSchema,
  TOOL_ENTRY_FILE,
  TOOL_MANIFEST_FILE,
  type LoadedTool,
  type ToolCapabilities,
  type ToolManifest,
} from './tool-manifest.ts';
export { checkJsonSchema, checkSchemaShape, formatSchemaIssues, type SchemaIssue } from './json-schema-check.ts';
export { effectiveHosts, isUrlAllowed, CapabilityDeniedError, type NetworkAccess } from './tool-network.ts';
