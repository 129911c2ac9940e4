import { isDeepStrictEqual } from 'node:util';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** JSON.parse that returns undefined instead of throwing, for untrusted text. */
export function tryParseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether two values are the same JSON document: compared as they read back after a round trip
 * through JSON text (so `-0` equals `0` and `undefined` members vanish), with object keys in any
 * order. Used by compare-and-set, where the stored side has always been through JSON text.
 */
export function sameJson(left: JsonValue, right: JsonValue): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(left)), JSON.parse(JSON.stringify(right)));
}
