import type { AgentKnowledge } from './knowledge.ts';
import { connectMcpServer, type McpConnection, type McpServerConfig } from './mcp-tools.ts';
import { createReadResultTool, type ResultReferences } from './result-references.ts';
import { createSandboxTools, libraryTool, loadSynthesizedTools, type SandboxToolOptions } from './tools/sandbox-tools.ts';
import { createActivateSkillTool, createFinalAnswerTool, createSearchToolsTool } from './tools/control-tools.ts';
import { createWorkspaceTools } from './tools/workspace-tools.ts';
import { ToolRegistry } from './tool-registry.ts';
import type { AgentCapabilities, AgentEvent, AgentTool } from './types.ts';
import type { TrajectoryRecorder } from './trajectory-recorder.ts';

/**
 * Gathers the run's tools from every source into one registry: the control tools, the workspace
 * file tools, the sandbox, synthesized tool directories, the caller's own tools and MCP servers.
 * A source that fails to load (a broken tool.json, an MCP server that will not start) is reported
 * and skipped; the run starts with the rest.
 */
export interface ToolSetupOptions {
  workspace: string | undefined;
  builtinTools: boolean;
  customTools: readonly AgentTool[];
  toolDirectories: readonly string[];
  mcpServers: readonly McpServerConfig[];
  knowledge: AgentKnowledge | undefined;
  hasSkills: boolean;
  capabilities: AgentCapabilities;
  references: ResultReferences;
  sandbox: SandboxToolOptions;
  recorder: TrajectoryRecorder;
  emit: (event: AgentEvent) => void;
  onSkillActivated: (name: string) => void;
}

export interface ToolSetup {
  registry: ToolRegistry;
  connections: McpConnection[];
}

export async function setUpTools(options: ToolSetupOptions): Promise<ToolSetup> {
  const registry = new ToolRegistry();
  registry.add(createFinalAnswerTool());
  registry.add(createSearchToolsTool(registry));
  registry.add(createReadResultTool(options.references));
  if (options.knowledge !== undefined && options.hasSkills) registry.add(createActivateSkillTool(options.knowledge, options.onSkillActivated));
  if (options.builtinTools) {
    if (options.workspace !== undefined) for (const tool of createWorkspaceTools(options.workspace, { writeFiles: options.capabilities.writeFiles })) registry.add(tool);
    for (const tool of createSandboxTools(options.sandbox)) registry.add(tool);
  }
  // A synthesized tool (possibly written by an agent) must not take the name of a tool already
  // there: it would replace read_file or final_answer, or what the model is told about them.
  const addSynthesized = (tool: AgentTool, origin: string): void => {
    const taken = registry.get(tool.name);
    if (taken === undefined) registry.add(tool);
    else options.recorder.step('tool-load-failed', { directory: origin, message: `the name "${tool.name}" is taken by a ${taken.source} tool` });
  };
  for (const directory of options.toolDirectories) {
    const { tools, failures } = await loadSynthesizedTools(directory, options.sandbox);
    for (const tool of tools) addSynthesized(tool, directory);
    for (const failure of failures) {
      options.recorder.step('tool-load-failed', { directory: failure.directory, message: failure.message });
    }
  }
  for (const entry of (await options.knowledge?.tools?.()) ?? []) {
    // Tool use shows in the trajectory (tool-call steps), where the learner counts it.
    try {
      addSynthesized(libraryTool(entry, options.sandbox), `library:${entry.name}`);
    } catch (error) {
      options.recorder.step('tool-load-failed', { directory: `library:${entry.name}`, message: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const tool of options.customTools) registry.add(tool);

  const reportFailure = (server: string, message: string): void => {
    for (const name of registry.namesWithPrefix(`${server}__`)) registry.remove(name);
    options.recorder.step('server-failed', { server, message });
    options.emit({ type: 'server-failed', server, message });
  };
  const replaceTools = (server: string, tools: AgentTool[]): void => {
    const before = new Set(registry.namesWithPrefix(`${server}__`));
    const after = new Set(tools.map((tool) => tool.name));
    for (const name of before) if (!after.has(name)) registry.remove(name);
    for (const tool of tools) registry.add(tool);
    const added = [...after].filter((name) => !before.has(name));
    const removed = [...before].filter((name) => !after.has(name));
    options.recorder.step('tools-changed', { source: `mcp:${server}`, added, removed });
    options.emit({ type: 'tools-changed', source: `mcp:${server}`, added, removed });
  };

  const settled = await Promise.allSettled(
    options.mcpServers.map((config) => connectMcpServer(config, { onToolsChanged: replaceTools, onFailed: reportFailure })),
  );
  const connections: McpConnection[] = [];
  settled.forEach((outcome, index) => {
    const server = options.mcpServers[index]!.name;
    if (outcome.status === 'rejected') {
      reportFailure(server, `could not connect: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`);
      return;
    }
    connections.push(outcome.value);
    for (const tool of outcome.value.tools) registry.add(tool);
  });
  return { registry, connections };
}
