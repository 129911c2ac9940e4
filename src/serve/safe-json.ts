import { createRedactor, type Redactor } from '../agent/redact.ts';
import type { JsonValue } from '../core/json.ts';

/**
 * Every JSON document the dashboard sends goes through here: secrets are removed (the configured
 * API keys, the server's token, secret-named environment variables and the key formats the agent's
 * redactor knows), and numbers JSON cannot carry (NaN, ±Infinity) become the strings "NaN",
 * "Infinity" and "-Infinity", which the pages print as such instead of a silent null.
 */
export interface ResponseFilter {
  (value: unknown): JsonValue;
}

export function createResponseFilter(options: { secrets?: readonly string[]; env?: Record<string, string | undefined> } = {}): ResponseFilter {
  const named: Record<string, string> = {};
  for (const [index, secret] of (options.secrets ?? []).entries()) named[`LAMARCK_SERVE_SECRET_${index}`] = secret;
  const redactor: Redactor = createRedactor({ env: { ...options.env, ...named }, secretEnvNames: Object.keys(named) });
  return (value) => redactor.json(toJsonValue(value));
}

export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : nonFiniteText(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'object') {
    const result: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined && typeof item !== 'function') result[key] = toJsonValue(item);
    }
    return result;
  }
  return null;
}

function nonFiniteText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}
