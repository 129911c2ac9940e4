import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/client';
import { ConfigError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';
import { checkJsonSchema, checkSchemaShape, formatSchemaIssues } from '../sandbox/json-schema-check.ts';

/**
 * Every tool call's input is checked against the schema the model was shown, whatever the tool
 * (built-in, MCP, synthesized or custom), by the same validator the sandbox uses: the model gets
 * the same `invalid-input: input.path: ...` message from each, and no tool sees input its own
 * schema refuses. A schema Lamarck cannot compile is left to the tool (an MCP server validates its
 * own inputs, and a synthesized tool reports its broken manifest when it runs).
 */
export function toolInputProblem(inputSchema: Record<string, unknown>, input: JsonValue): string | undefined {
  try {
    const issues = checkJsonSchema(inputSchema, input, 'input', 'inputSchema');
    return issues.length === 0 ? undefined : `invalid-input: ${formatSchemaIssues(issues)}`;
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

/**
 * The MCP client's validator for what servers send against their own schemas (structured tool
 * results against `outputSchema`): the same checker, so a server's result is held to the same
 * rules as a synthesized tool's. A server whose schema is invalid gets that reported, not a crash.
 */
export const mcpSchemaValidator: jsonSchemaValidator = {
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const problems = checkSchemaShape(schema, 'outputSchema');
    return (value: unknown) => {
      if (problems.length > 0) return { valid: false, data: undefined, errorMessage: `the server's schema is invalid: ${formatSchemaIssues(problems)}` };
      const issues = checkJsonSchema(schema, value, 'structuredContent', 'outputSchema');
      if (issues.length > 0) return { valid: false, data: undefined, errorMessage: formatSchemaIssues(issues) };
      return { valid: true, data: value as T, errorMessage: undefined };
    };
  },
};
