import type { CallToolResult } from '@modelcontextprotocol/server';
import { isLamarckError } from '../core/errors.ts';

/**
 * Tool results: structured output (checked by the SDK against the tool's `outputSchema`) with the
 * same JSON as text for clients that read only text, and failures as `isError` results that name
 * the cause. A tool never throws into the transport: the server keeps serving whatever the input.
 */
export function structuredResult(value: Record<string, unknown>, extra: CallToolResult['content'] = []): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }, ...extra], structuredContent: value };
}

export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Runs a tool body; an error becomes an `isError` result carrying its code and message. */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    if (isLamarckError(error)) return errorResult(`${error.code}: ${error.message}`);
    return errorResult(error instanceof Error ? error.message : String(error));
  }
}
