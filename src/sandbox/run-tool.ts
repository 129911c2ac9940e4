import type { JsonValue } from '../core/json.ts';
import { isLamarckError } from '../core/errors.ts';
import { runInQuickJs, type QuickJsPool, type SandboxErrorCode } from './quickjs-sandbox.ts';
import { checkToolInput, checkToolOutput, formatSchemaIssues, loadTool, type LoadedTool } from './tool-manifest.ts';
import type { FileAccess } from './tool-files.ts';
import { effectiveHosts } from './tool-network.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Runs a synthesized tool once: load it (when given a directory), check the input against the
 * tool's input schema, run its code in the QuickJS sandbox with the capabilities the tool declared
 * AND the user granted, then check the result against its output schema, if it has one. Never
 * throws for anything the tool, its manifest or its input does.
 */
export interface ToolGrants {
  /** Hosts the user allows tools to reach (`api.example.com`, `*.example.com`, `127.0.0.1:8080`). */
  network?: readonly string[];
  /** A directory tools may use through ctx.readFile / ctx.listFiles (and ctx.writeFile with `write`). */
  files?: { root: string; write?: boolean };
}

export interface RunToolOptions {
  timeoutMs?: number;
  memoryLimitBytes?: number;
  stackLimitBytes?: number;
  granted?: ToolGrants;
  /** Replaces the host's fetch for `ctx.fetch` (tests, proxies). */
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** The sandbox pool to run in; the process's shared pool by default. */
  pool?: QuickJsPool;
}

export type ToolErrorCode = SandboxErrorCode | 'invalid-input' | 'invalid-output' | 'tool-not-found' | 'tool-invalid-manifest';

export type ToolResult =
  | { ok: true; output: JsonValue; logs: string[]; durationMs: number }
  | { ok: false; error: { code: ToolErrorCode; message: string }; logs: string[]; durationMs: number };

export const DEFAULT_TOOL_TIMEOUT_MS = 2000;
export const DEFAULT_TOOL_MEMORY_LIMIT_BYTES = 32 * 1024 * 1024;

export async function runTool(tool: string | LoadedTool, input: unknown, options: RunToolOptions = {}): Promise<ToolResult> {
  const started = performance.now();
  const fail = (code: ToolErrorCode, message: string): ToolResult => ({
    ok: false,
    error: { code, message },
    logs: [],
    durationMs: Math.round((performance.now() - started) * 100) / 100,
  });

  let loaded: LoadedTool;
  try {
    loaded = typeof tool === 'string' ? await loadTool(tool) : tool;
  } catch (error) {
    if (isLamarckError(error) && error.code === 'not-found') return fail('tool-not-found', error.message);
    return fail('tool-invalid-manifest', error instanceof Error ? error.message : String(error));
  }

  const jsonInput = toJsonValue(input);
  if (jsonInput === undefined) return fail('invalid-input', 'input: expected a JSON value (no functions, BigInts, cycles or undefined)');
  let issues;
  try {
    issues = checkToolInput(loaded.manifest, jsonInput);
  } catch (error) {
    // A stored or proposed manifest whose schema does not compile: the tool's fault, told plainly.
    return fail('tool-invalid-manifest', error instanceof Error ? error.message : String(error));
  }
  if (issues.length > 0) return fail('invalid-input', formatSchemaIssues(issues));

  const hosts = effectiveHosts(loaded.manifest.capabilities.network, options.granted?.network ?? []);
  const outcome = await runInQuickJs(loaded.source, jsonInput, {
    timeoutMs: options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
    memoryLimitBytes: options.memoryLimitBytes ?? DEFAULT_TOOL_MEMORY_LIMIT_BYTES,
    ...definedOnly({ stackLimitBytes: options.stackLimitBytes }),
    network: { hosts, ...definedOnly({ fetch: options.fetch }) },
    ...fileAccess(loaded.manifest.capabilities.files, options.granted?.files),
    ...definedOnly({ signal: options.signal, pool: options.pool }),
  });
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  if (!outcome.ok) return { ...outcome, durationMs };
  let outputIssues;
  try {
    outputIssues = checkToolOutput(loaded.manifest, outcome.output);
  } catch (error) {
    return { ok: false, error: { code: 'tool-invalid-manifest', message: error instanceof Error ? error.message : String(error) }, logs: outcome.logs, durationMs };
  }
  if (outputIssues.length > 0) return { ok: false, error: { code: 'invalid-output', message: formatSchemaIssues(outputIssues) }, logs: outcome.logs, durationMs };
  return { ...outcome, durationMs };
}

/** Files too are the intersection: declared `read`/`write` AND a granted directory (with `write` for writing). */
function fileAccess(declared: readonly ('read' | 'write')[], granted: ToolGrants['files']): { files?: FileAccess } {
  if (granted === undefined) return {};
  const read = declared.includes('read');
  const write = declared.includes('write') && granted.write === true;
  if (!read && !write) return {};
  return { files: { root: granted.root, read, write } };
}

/** A JSON round trip: what the guest will see, or undefined when the value is not JSON. */
function toJsonValue(value: unknown): JsonValue | undefined {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  } catch {
    return undefined;
  }
}
