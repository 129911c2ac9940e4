import type { SQLOutputValue } from 'node:sqlite';
import { InternalError } from '../../core/errors.ts';

/** Typed reads of a result row. A wrong type means the schema and the code disagree: a bug. */
export type SqliteRow = Record<string, SQLOutputValue>;

export function text(row: SqliteRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new InternalError(`store column ${column} is not text`);
  return value;
}

export function textOrNull(row: SqliteRow, column: string): string | null {
  const value = row[column];
  if (value === null) return null;
  if (typeof value !== 'string') throw new InternalError(`store column ${column} is not text`);
  return value;
}

export function number(row: SqliteRow, column: string): number {
  const value = row[column];
  if (typeof value !== 'number') throw new InternalError(`store column ${column} is not a number`);
  return value;
}

export function numberOrNull(row: SqliteRow, column: string): number | null {
  const value = row[column];
  if (value === null) return null;
  if (typeof value !== 'number') throw new InternalError(`store column ${column} is not a number`);
  return value;
}

/** JSON columns are TEXT; the type parameter is what the writer stored. */
export function json<T>(row: SqliteRow, column: string): T {
  return JSON.parse(text(row, column)) as T;
}

export function jsonOrNull<T>(row: SqliteRow, column: string): T | null {
  const value = textOrNull(row, column);
  return value === null ? null : (JSON.parse(value) as T);
}

export function toJsonText(value: unknown): string {
  return JSON.stringify(value);
}

export function toJsonTextOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** SQLite's LIMIT takes -1 as "no limit". */
export function limitOrAll(limit: number | undefined): number {
  return limit === undefined ? -1 : Math.max(0, Math.floor(limit));
}
