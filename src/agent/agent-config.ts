import { z } from 'zod';
import { parseOrThrow } from '../core/config-issues.ts';

/**
 * The `agent` section of lamarck.config.json: defaults for `lamarck run`, each overridden by its
 * command-line flag. Unknown keys are refused, so a typo is an error and not a silent default.
 * (The agent's MCP servers are the top-level `mcpServers` section.)
 */
const positiveInteger = z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });

export const agentConfigSchema = z.strictObject({
  /** Model calls per run (`--max-steps`). */
  maxSteps: positiveInteger.optional(),
  /** Wall time per run, in seconds (`--time-limit`). */
  maxTimeSeconds: z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' }).optional(),
  /** Write a short plan before acting (`--plan`). */
  plan: z.boolean({ error: 'expected true or false' }).optional(),
});

export type AgentConfig = z.output<typeof agentConfigSchema>;

export function parseAgentConfig(value: unknown, source?: string): AgentConfig {
  return parseOrThrow(agentConfigSchema, value ?? {}, { prefix: ['agent'], source });
}
