import { InternalError } from '../../core/errors.ts';

/** Typed reads of a result row. A wrong type means the schema and the code disagree: a bug. */
export type PostgresRow = Record<string, unknown>;

export function text(row: PostgresRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new InternalError(`store column ${column} is not text`);
  return decodeText(value);
}

export function textOrNull(row: PostgresRow, column: string): string | null {
  const value = row[column];
  if (value === null) return null;
  if (typeof value !== 'string') throw new InternalError(`store column ${column} is not text`);
  return decodeText(value);
}

/** BIGINT columns arrive as numbers (the pool's type parser, in connection.ts). */
export function number(row: PostgresRow, column: string): number {
  const value = row[column];
  if (typeof value !== 'number') throw new InternalError(`store column ${column} is not a number`);
  return value;
}

export function numberOrNull(row: PostgresRow, column: string): number | null {
  const value = row[column];
  if (value === null) return null;
  if (typeof value !== 'number') throw new InternalError(`store column ${column} is not a number`);
  return value;
}

/** JSON documents are TEXT, as in SQLite: they read back exactly as written (jsonb would reorder keys and refuse \u0000). */
export function json<T>(row: PostgresRow, column: string): T {
  return JSON.parse(text(row, column)) as T;
}

export function jsonOrNull<T>(row: PostgresRow, column: string): T | null {
  const value = textOrNull(row, column);
  return value === null ? null : (JSON.parse(value) as T);
}

export function toJsonText(value: unknown): string {
  return JSON.stringify(value);
}

export function toJsonTextOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

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

/** LIMIT ALL is written as a null limit. */
export function limitOrAll(limit: number | undefined): number | null {
  return limit === undefined ? null : Math.max(0, Math.floor(limit));
}
