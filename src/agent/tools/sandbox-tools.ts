import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JsonValue } from '../../core/json.ts';
import { isJsonObject } from '../../core/json.ts';
import { loadTool, parseToolManifest } from '../../sandbox/tool-manifest.ts';
import type { PredicateEvaluator } from '../guardrails.ts';
import type { LibraryTool } from '../knowledge.ts';
import type { AgentCapabilities, AgentTool, ToolOutput } from '../types.ts';
import { defaultToolRunner, type LoadedTool, type ToolResult, type ToolRunner } from './tool-runner.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * Tools that run in the WebAssembly QuickJS sandbox: `run_javascript` for code the model writes,
 * and synthesized tools (a directory with tool.json and index.js). The user's grants are passed to
 * the sandbox, which gives a tool only the hosts it declared AND the user granted.
 */
export interface SandboxToolOptions {
  timeoutMs: number;
  memoryLimitBytes: number;
  capabilities: AgentCapabilities;
  runner?: ToolRunner;
}

const snippetManifest = parseToolManifest({ name: 'run_javascript', description: 'code written by the agent', inputSchema: {} }, '(snippet)');

export function createSandboxTools(options: SandboxToolOptions): AgentTool[] {
  return [
    {
      name: 'run_javascript',
      description:
        'Run JavaScript in an isolated sandbox (no files, no network, no process) and get the value it returns. ' +
        'The code is the body of an async function receiving `input`; use `return` to give the result. console.log output is included.',
      inputSchema: {
        type: 'object',
        properties: {
          code: { type: 'string', description: 'Body of an async function; `return` the result.' },
          input: { description: 'A JSON value passed to the code as `input`.' },
        },
        required: ['code'],
        additionalProperties: false,
      },
      source: 'builtin',
      async execute(input, context) {
        if (!isJsonObject(input) || typeof input['code'] !== 'string') return { content: 'run_javascript needs {"code": "..."}', isError: true };
        const result = await runSnippet(input['code'], input['input'] ?? null, options, context.signal);
        return resultToOutput(result);
      },
    },
  ];
}

/** Runs a function body as a one-off tool, through exactly the same sandbox path as any tool. */
function runSnippet(body: string, input: JsonValue, options: SandboxToolOptions, signal: AbortSignal | undefined): Promise<ToolResult> {
  const tool: LoadedTool = {
    directory: '(snippet)',
    manifest: snippetManifest,
    source: `export default async function (input, ctx) {\n${body}\n}\n`,
  };
  // Snippets get no network, whatever was granted: the model's own code is the least trusted.
  return (options.runner ?? defaultToolRunner)(tool, input, {
    timeoutMs: options.timeoutMs,
    memoryLimitBytes: options.memoryLimitBytes,
    granted: { network: [] },
    ...definedOnly({ signal }),
  });
}

export function resultToOutput(result: ToolResult): ToolOutput {
  const logs = result.logs.length > 0 ? `\n[console]\n${result.logs.join('\n')}` : '';
  if (!result.ok) return { content: `${result.error.code}: ${result.error.message}${logs}`, isError: true };
  const value = typeof result.output === 'string' ? result.output : JSON.stringify(result.output);
  return { content: value + logs };
}

/** Guardrail predicates run as sandboxed snippets; a throw, a timeout or a non-boolean blocks the call. */
export function createPredicateEvaluator(options: SandboxToolOptions): PredicateEvaluator {
  return async (source, toolName, input) => {
    const body = `const predicate = (${source});\nreturn (await predicate(input.toolName, input.input)) === true;`;
    const result = await runSnippet(body, { toolName, input }, { ...options, timeoutMs: Math.min(options.timeoutMs, 1_000) }, undefined);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.output === true;
  };
}

/**
 * Loads synthesized tools from `directory`: the directory itself when it holds a tool.json,
 * otherwise each subdirectory that does. A broken tool is reported and skipped.
 */
export async function loadSynthesizedTools(
  directory: string,
  options: SandboxToolOptions,
): Promise<{ tools: AgentTool[]; failures: { directory: string; message: string }[] }> {
  const tools: AgentTool[] = [];
  const failures: { directory: string; message: string }[] = [];
  const candidates = (await exists(path.join(directory, 'tool.json')))
    ? [directory]
    : (await readdir(directory, { withFileTypes: true }).catch(() => []))
        .filter((entry) => entry.isDirectory())
        .map((entry) => path.join(directory, entry.name))
        .sort();
  for (const toolDirectory of candidates) {
    if (!(await exists(path.join(toolDirectory, 'tool.json')))) continue;
    try {
      tools.push(synthesizedTool(await loadTool(toolDirectory), options));
    } catch (error) {
      failures.push({ directory: toolDirectory, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { tools, failures };
}

export function synthesizedTool(loaded: LoadedTool, options: SandboxToolOptions): AgentTool {
  return {
    name: loaded.manifest.name,
    description: loaded.manifest.description,
    inputSchema: loaded.manifest.inputSchema,
    source: 'synthesized',
    async execute(input, context) {
      const result = await (options.runner ?? defaultToolRunner)(loaded, input, {
        timeoutMs: options.timeoutMs,
        memoryLimitBytes: options.memoryLimitBytes,
        granted: { network: options.capabilities.networkHosts },
        signal: context.signal,
      });
      return resultToOutput(result);
    },
  };
}

/** A tool kept in the library (tool.json and index.js as text), validated like one on disk. */
export function libraryTool(entry: LibraryTool, options: SandboxToolOptions): AgentTool {
  const manifest = parseToolManifest(entry.manifest, `library tool ${entry.name}`);
  return synthesizedTool({ directory: `library:${entry.name}`, manifest, source: entry.source }, options);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
