import type { ToolAnnotations } from '@modelcontextprotocol/server';

/**
 * The annotation sets Lamarck's tools use, named by what the tool does, so every registration
 * states all four hints and a reviewer can check them in one place. They describe effects on the
 * library and the world, as the MCP specification defines the hints.
 */

/** Reads the library; changes nothing; the same call gives the same answer; touches nothing outside. */
export const readOnlyAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const satisfies ToolAnnotations;

/** Adds to counters (never removes anything); a repeated call counts again. */
export const additiveAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const satisfies ToolAnnotations;

/**
 * Can replace or retire what clients read (a new head version, a retired item). The gate runs the
 * configured model, an outside service, on held-out tasks and probes: open world.
 */
export const proposeAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true } as const satisfies ToolAnnotations;

/** Moves a head to a named version: replaces what clients read, and a second identical call changes nothing more. */
export const rollbackAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false } as const satisfies ToolAnnotations;

/**
 * A synthesized tool in the sandbox: no files are ever granted over MCP, so without network hosts it
 * is a pure computation; with hosts it may reach (and change) whatever those hosts serve.
 */
export function sandboxToolAnnotations(networkHosts: readonly string[]): ToolAnnotations {
  if (networkHosts.length === 0) return { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
  return { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };
}
