import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../core/config-issues.ts';
import { ConfigError, NotFoundError } from '../core/errors.ts';
import { requirePath } from '../core/require-path.ts';
import { checkJsonSchema, checkSchemaShape, formatSchemaIssues, type SchemaIssue } from './json-schema-check.ts';

/**
 * A synthesized tool: a directory with `tool.json` (name, description, the JSON Schema of its
 * input and optionally of its output, the capabilities it asks for) and `index.js` (an ES module
 * whose default export is `async (input, ctx) => result`). Declaring a capability grants nothing;
 * the user grants. Both schemas are full JSON Schema (draft 2020-12 unless `$schema` says otherwise).
 */
export const TOOL_MANIFEST_FILE = 'tool.json';
export const TOOL_ENTRY_FILE = 'index.js';
/** Tool sources are small by nature; a megabyte is already far beyond a reasonable tool. */
const MAX_SOURCE_BYTES = 1024 * 1024;

/** `api.example.com`, `*.example.com` or `127.0.0.1:8080`. */
const networkHost = z
  .string()
  .regex(/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/, {
    message: 'expected a host name such as api.example.com, *.example.com or 127.0.0.1:8080',
  })
  .transform((host) => host.toLowerCase());

export const toolCapabilitiesSchema = z.strictObject({
  network: z.array(networkHost).default([]),
  files: z.array(z.enum(['read', 'write'])).default([]),
});

export const toolManifestSchema = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, { message: 'expected 1-64 letters, digits, - or _, starting with a letter' }),
  description: z.string().trim().min(1, { message: 'must not be empty' }).max(1024),
  inputSchema: z.record(z.string(), z.unknown()).default({}),
  /** Absent: any JSON result is accepted. */
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  capabilities: toolCapabilitiesSchema.default({ network: [], files: [] }),
  version: z.string().optional(),
});

export type ToolCapabilities = z.infer<typeof toolCapabilitiesSchema>;
export type ToolManifest = z.infer<typeof toolManifestSchema>;

export interface LoadedTool {
  directory: string;
  manifest: ToolManifest;
  /** The source of index.js. */
  source: string;
}

/** Validates a parsed tool.json; errors are ConfigErrors naming the field, e.g. `capabilities.network.0`. */
export function parseToolManifest(value: unknown, source = TOOL_MANIFEST_FILE): ToolManifest {
  const manifest = parseOrThrow(toolManifestSchema, value, { source });
  const shapeIssues = [
    ...checkSchemaShape(manifest.inputSchema, 'inputSchema'),
    ...(manifest.outputSchema === undefined ? [] : checkSchemaShape(manifest.outputSchema, 'outputSchema')),
  ];
  if (shapeIssues.length > 0) {
    const first = shapeIssues[0]!;
    throw new ConfigError(first.path, first.message, { source });
  }
  return manifest;
}

/** Reads and validates `tool.json` and `index.js` from a tool directory. */
export async function loadTool(directory: string): Promise<LoadedTool> {
  await requirePath(directory, 'directory', 'tool folder');
  const manifestPath = path.join(directory, TOOL_MANIFEST_FILE);
  const manifestText = await readFile(manifestPath, 'utf8').catch((error: unknown) => {
    throw isMissing(error) ? new NotFoundError('tool manifest', manifestPath) : error;
  });
  let manifestValue: unknown;
  try {
    manifestValue = JSON.parse(manifestText);
  } catch (error) {
    throw new ConfigError('(root)', `not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { source: manifestPath, cause: error });
  }
  const manifest = parseToolManifest(manifestValue, manifestPath);
  const entryPath = path.join(directory, TOOL_ENTRY_FILE);
  const source = await readFile(entryPath, 'utf8').catch((error: unknown) => {
    throw isMissing(error) ? new NotFoundError('tool entry module', entryPath) : error;
  });
  if (Buffer.byteLength(source) > MAX_SOURCE_BYTES) {
    throw new ConfigError(TOOL_ENTRY_FILE, `is larger than ${MAX_SOURCE_BYTES} bytes`, { source: directory });
  }
  return { directory, manifest, source };
}

/**
 * Checks a tool input against the tool's input schema; an empty list means it is valid. A schema
 * that is itself invalid (a manifest that was never parsed by `parseToolManifest`, such as a stored
 * or proposed one) throws a ConfigError naming the schema's field.
 */
export function checkToolInput(manifest: ToolManifest, input: unknown): SchemaIssue[] {
  return checkJsonSchema(manifest.inputSchema, input, 'input', 'inputSchema');
}

/** Checks a tool's result against its output schema, when it declares one. */
export function checkToolOutput(manifest: ToolManifest, output: unknown): SchemaIssue[] {
  return manifest.outputSchema === undefined ? [] : checkJsonSchema(manifest.outputSchema, output, 'output', 'outputSchema');
}

export { formatSchemaIssues };

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}
