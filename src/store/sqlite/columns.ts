import type { SQLOutputValue } from 'node:sqlite';
import { columnReaders } from '../column-readers.ts';

export { toJsonText, toJsonTextOrNull } from '../column-readers.ts';

/** Typed reads of a SQLite result row (the readers both stores share, column-readers.ts); texts are stored as they are. */
export type SqliteRow = Record<string, SQLOutputValue>;

export const sqliteColumns = columnReaders<SqliteRow>((stored) => stored);
export const { text, textOrNull, number, numberOrNull, json, jsonOrNull } = sqliteColumns;

/** SQLite's LIMIT takes -1 as "no limit". */
export function limitOrAll(limit: number | undefined): number {
  return limit === undefined ? -1 : Math.max(0, Math.floor(limit));
}
