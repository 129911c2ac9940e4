import { columnReaders } from '../column-readers.ts';

export { toJsonText, toJsonTextOrNull } from '../column-readers.ts';

/**
 * Typed reads of a PostgreSQL result row (the readers both stores share, column-readers.ts), with
 * texts decoded as encodeText stored them. BIGINT columns arrive as numbers (the pool's type parser,
 * in connection.ts); JSON documents are TEXT, as in SQLite: they read back exactly as written (jsonb
 * would reorder keys and refuse \u0000).
 */
export type PostgresRow = Record<string, unknown>;

/**
 * PostgreSQL text cannot hold U+0000, which a model reply or an evaluator's output may contain. Such
 * a text (and, so the encoding stays reversible, one that happens to start with the marker) is
 * stored as the marker plus its JSON string; every other text is stored as it is.
 */
const encodedMarker = '\u{F8FF}lamarck-json:';

export function encodeText(value: string): string {
  return value.includes('\u0000') || value.startsWith(encodedMarker) ? encodedMarker + JSON.stringify(value) : value;
}

export function encodeTextOrNull(value: string | null): string | null {
  return value === null ? null : encodeText(value);
}

function decodeText(value: string): string {
  return value.startsWith(encodedMarker) ? (JSON.parse(value.slice(encodedMarker.length)) as string) : value;
}

export const postgresColumns = columnReaders<PostgresRow>(decodeText);
export const { text, textOrNull, number, numberOrNull, json, jsonOrNull } = postgresColumns;

/** LIMIT ALL is written as a null limit. */
export function limitOrAll(limit: number | undefined): number | null {
  return limit === undefined ? null : Math.max(0, Math.floor(limit));
}
