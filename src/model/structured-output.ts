import { z } from 'zod';
import { tryParseJson, type JsonValue } from '../core/json.ts';

/**
 * Reading JSON out of model replies. Models wrap JSON in Markdown fences or a sentence of
 * preamble even when told not to, so the parser looks past both before giving up.
 */
export function findJsonValue(text: string): JsonValue | undefined {
  const trimmed = text.trim();
  const direct = tryParseJson(trimmed);
  if (direct !== undefined) return direct;
  const fenced = /```(?:json)?\s*\n?([\s\S]*?)```/i.exec(trimmed);
  if (fenced?.[1] !== undefined) {
    const inner = tryParseJson(fenced[1].trim());
    if (inner !== undefined) return inner;
  }
  for (const [open, close] of [
    ['{', '}'],
    ['[', ']'],
  ] as const) {
    const start = trimmed.indexOf(open);
    const end = trimmed.lastIndexOf(close);
    if (start >= 0 && end > start) {
      const inner = tryParseJson(trimmed.slice(start, end + 1));
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

export type ParsedObject<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses and validates a reply against the schema; the error text is what the repair prompt shows. */
export function parseStructuredReply<T>(text: string, schema: z.ZodType<T>): ParsedObject<T> {
  const value = findJsonValue(text);
  if (value === undefined) return { ok: false, error: 'the reply is not valid JSON' };
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: `the JSON does not match the schema:\n${z.prettifyError(result.error)}` };
}

/** The JSON Schema sent to providers; schemas with transforms are described by their input side. */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    delete json['$schema'];
    return closeObjects(json) as Record<string, unknown>;
  } catch {
    return { type: 'object' };
  }
}

/**
 * Marks objects that leave `additionalProperties` open as closed: zod strips unknown keys from a
 * plain object anyway, and closed objects are what strict structured outputs require. Objects
 * that say otherwise (loose objects, records) keep their setting.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== 'object') return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) result[key] = closeObjects(value);
  if (result['type'] === 'object' && result['properties'] !== undefined && result['additionalProperties'] === undefined) {
    result['additionalProperties'] = false;
  }
  return result;
}

/**
 * Whether OpenAI's strict structured outputs accept the schema: every object closed and every
 * property required. Schemas with optional fields are sent non-strict instead of being refused.
 */
export function isStrictCompatible(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(isStrictCompatible);
  if (schema === null || typeof schema !== 'object') return true;
  const node = schema as Record<string, unknown>;
  if (node['type'] === 'object' || node['properties'] !== undefined) {
    const properties = Object.keys((node['properties'] as Record<string, unknown> | undefined) ?? {});
    const required = Array.isArray(node['required']) ? (node['required'] as unknown[]) : [];
    if (node['additionalProperties'] !== false) return false;
    if (!properties.every((key) => required.includes(key))) return false;
  }
  return Object.values(node).every(isStrictCompatible);
}

export function schemaInstruction(jsonSchema: Record<string, unknown>, name: string | undefined, description: string | undefined): string {
  return [
    `Reply with only a JSON ${name === undefined ? 'value' : `"${name}" value`} that matches this JSON Schema, with no other text:`,
    ...(description === undefined ? [] : [description]),
    JSON.stringify(jsonSchema),
  ].join('\n');
}

export function repairInstruction(error: string): string {
  return `Your previous reply could not be used: ${error}\nReply again with only the corrected JSON, no other text.`;
}
