import { Client, StreamableHTTPClientTransport, type Tool } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { ConfigError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';
import { mcpSchemaValidator } from './tool-schema-checks.ts';
import type { AgentTool, ToolOutput } from './types.ts';
import { definedOnly, mapDefined } from '../core/defined-only.ts';

/**
 * MCP servers as tool sources, through the MCP SDK v2 client. Each server's tools appear as
 * `<server>__<tool>`; a `tools/list_changed` notification replaces that server's tools while the run
 * goes on; a server that dies (its process exits, its HTTP endpoint stops answering) is reported
 * once through `onFailed` and its tools are withdrawn, while the run continues without it.
 */
export interface McpServerConfig {
  /** Namespace for the server's tools: letters, digits, `-` and `_`. */
  name: string;
  /** stdio: the command to start the server. */
  command?: string;
  args?: string[];
  /** Added to a minimal safe environment; the host's secrets are not passed on by default. */
  env?: Record<string, string>;
  cwd?: string;
  /** Streamable HTTP: the endpoint URL. */
  url?: string;
  headers?: Record<string, string>;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

export interface McpHooks {
  onToolsChanged(server: string, tools: AgentTool[]): void;
  onFailed(server: string, message: string): void;
}

export interface McpConnection {
  readonly name: string;
  readonly tools: AgentTool[];
  readonly alive: boolean;
  close(): Promise<void>;
}

const separator = '__';

export function mcpToolName(server: string, tool: string): string {
  return `${server}${separator}${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

export function validateMcpServerConfig(config: McpServerConfig, field: string): void {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(config.name)) throw new ConfigError(`${field}.name`, 'must be 1-32 letters, digits, - or _');
  if ((config.command === undefined) === (config.url === undefined)) throw new ConfigError(field, 'needs exactly one of "command" (stdio) or "url" (HTTP)');
  if (config.url !== undefined && !/^https?:\/\//.test(config.url)) throw new ConfigError(`${field}.url`, 'must be an http(s) URL');
}

export async function connectMcpServer(config: McpServerConfig, hooks: McpHooks): Promise<McpConnection> {
  validateMcpServerConfig(config, `mcpServers.${config.name}`);
  const timeoutMs = config.timeoutMs ?? 30_000;
  let alive = true;
  let closing = false;
  let connected = false;
  let tools: AgentTool[] = [];

  // Before the handshake ends, a failure is the caller's rejected promise, not a second report.
  const fail = (message: string): void => {
    if (!connected || !alive || closing) return;
    alive = false;
    tools = [];
    hooks.onFailed(config.name, message);
  };

  const client = new Client(
    { name: 'lamarck-agent', version: '1' },
    {
      jsonSchemaValidator: mcpSchemaValidator,
      listChanged: {
        tools: {
          debounceMs: 0,
          onChanged: (error, listed) => {
            if (!alive) return;
            if (error !== null || listed === null) return;
            tools = listed.map((tool) => adaptTool(config.name, tool, call));
            hooks.onToolsChanged(config.name, tools);
          },
        },
      },
    },
  );
  client.onclose = () => fail('the connection closed');

  const transport =
    config.command !== undefined
      ? new TrackedStdioTransport({
          command: config.command,
          ...definedOnly({ args: config.args }),
          env: { ...getDefaultEnvironment(), ...(config.env ?? {}) },
          ...definedOnly({ cwd: config.cwd }),
          stderr: 'ignore',
        })
      : new StreamableHTTPClientTransport(new URL(config.url!), {
          ...definedOnly({ requestInit: mapDefined(config.headers, (headers) => ({ headers })) }),
        });

  try {
    await client.connect(transport, { timeout: timeoutMs });
    const listed = await client.listTools(undefined, { timeout: timeoutMs });
    tools = listed.tools.map((tool) => adaptTool(config.name, tool, call));
    connected = true;
  } catch (error) {
    // A server that started but did not finish the handshake would otherwise live on (a stdio
    // child process, an open HTTP session) after the run has given up on it.
    closing = true;
    alive = false;
    // A server that got this far without answering is not listening for a polite end of stdin.
    const pid = transport instanceof TrackedStdioTransport ? transport.startedPid : undefined;
    if (pid !== undefined) killQuietly(pid);
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    throw error;
  }

  async function call(toolName: string, input: JsonValue, signal: AbortSignal): Promise<ToolOutput> {
    if (!alive) return { content: `MCP server ${config.name} is not available`, isError: true };
    const args = input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
    try {
      const result = await client.callTool({ name: toolName, arguments: args }, { timeout: timeoutMs, signal });
      return toToolOutput(result as { content?: unknown; structuredContent?: unknown; isError?: boolean });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A failed call may be the tool's problem or a dead server; a ping tells them apart.
      if (!signal.aborted) {
        const reachable = await client.ping({ timeout: Math.min(timeoutMs, 5_000) }).then(
          () => true,
          () => false,
        );
        if (!reachable) fail(`stopped answering: ${message}`);
      }
      return { content: `MCP tool ${config.name}/${toolName} failed: ${message}`, isError: true };
    }
  }

  return {
    name: config.name,
    get tools() {
      return tools;
    },
    get alive() {
      return alive;
    },
    async close() {
      closing = true;
      alive = false;
      await client.close().catch(() => undefined);
    },
  };
}

/** Keeps the child's pid after the SDK forgets it (it does on a failed handshake, mid-close). */
class TrackedStdioTransport extends StdioClientTransport {
  startedPid: number | undefined;

  override async start(): Promise<void> {
    await super.start();
    this.startedPid = this.pid ?? undefined;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

function adaptTool(server: string, tool: Tool, call: (name: string, input: JsonValue, signal: AbortSignal) => Promise<ToolOutput>): AgentTool {
  const description = tool.description ?? tool.title ?? tool.name;
  return {
    name: mcpToolName(server, tool.name),
    description: `${description} (MCP server ${server})`,
    inputSchema: (tool.inputSchema as Record<string, unknown> | undefined) ?? { type: 'object' },
    source: 'mcp',
    execute: (input, context) => call(tool.name, input, context.signal),
  };
}

function toToolOutput(result: { content?: unknown; structuredContent?: unknown; isError?: boolean }): ToolOutput {
  const parts: string[] = [];
  if (Array.isArray(result.content)) {
    for (const block of result.content as { type?: string; text?: string; mimeType?: string; uri?: string; resource?: { uri?: string; text?: string } }[]) {
      if (block.type === 'text' && typeof block.text === 'string') parts.push(block.text);
      else if (block.type === 'resource' && typeof block.resource?.text === 'string') parts.push(block.resource.text);
      else if (block.type === 'resource_link') parts.push(`[resource ${block.uri ?? ''}]`);
      else parts.push(`[${block.type ?? 'unknown'} content${block.mimeType === undefined ? '' : ` ${block.mimeType}`}]`);
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  const content = parts.join('\n');
  return result.isError === true ? { content, isError: true } : { content };
}

/**
 * The `mcpServers` section of the configuration: `{ "<name>": { "command", "args", "env", "cwd" } }`
 * for stdio or `{ "<name>": { "url", "headers" } }` for streamable HTTP (the shape other MCP hosts use).
 */
export function parseMcpServersConfig(section: Record<string, unknown> | undefined): McpServerConfig[] {
  if (section === undefined) return [];
  return Object.entries(section).map(([name, value]) => {
    const field = `mcpServers.${name}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(field, 'must be an object');
    const entry = value as Record<string, unknown>;
    const config: McpServerConfig = { name };
    const text = (key: string): string | undefined => {
      const item = entry[key];
      if (item === undefined) return undefined;
      if (typeof item !== 'string' || item === '') throw new ConfigError(`${field}.${key}`, 'must be a non-empty string');
      return item;
    };
    const record = (key: string): Record<string, string> | undefined => {
      const item = entry[key];
      if (item === undefined) return undefined;
      if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.values(item).some((part) => typeof part !== 'string')) {
        throw new ConfigError(`${field}.${key}`, 'must be an object of strings');
      }
      return item as Record<string, string>;
    };
    const command = text('command');
    const url = text('url');
    const cwd = text('cwd');
    const env = record('env');
    const headers = record('headers');
    if (command !== undefined) config.command = command;
    if (url !== undefined) config.url = url;
    if (cwd !== undefined) config.cwd = cwd;
    if (env !== undefined) config.env = env;
    if (headers !== undefined) config.headers = headers;
    if (entry['args'] !== undefined) {
      const args = entry['args'];
      if (!Array.isArray(args) || args.some((arg) => typeof arg !== 'string')) throw new ConfigError(`${field}.args`, 'must be an array of strings');
      config.args = args as string[];
    }
    if (entry['timeoutMs'] !== undefined) {
      const timeout = entry['timeoutMs'];
      if (typeof timeout !== 'number' || !(timeout > 0)) throw new ConfigError(`${field}.timeoutMs`, 'must be a positive number');
      config.timeoutMs = timeout;
    }
    validateMcpServerConfig(config, field);
    return config;
  });
}
