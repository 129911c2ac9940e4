import { InternalError } from '../core/errors.ts';

/**
 * Typed reads of a result row, shared by the SQLite and PostgreSQL stores, which differ only in how
 * a stored text is decoded (PostgreSQL's escapes U+0000, postgres/columns.ts). A wrong type means the
 * schema and the code disagree: a bug.
 */
export interface ColumnReaders<Row extends Record<string, unknown>> {
  text(row: Row, column: string): string;
  textOrNull(row: Row, column: string): string | null;
  number(row: Row, column: string): number;
  numberOrNull(row: Row, column: string): number | null;
  /** JSON documents are TEXT in both stores: they read back exactly as written. */
  json<T>(row: Row, column: string): T;
  jsonOrNull<T>(row: Row, column: string): T | null;
}

export function columnReaders<Row extends Record<string, unknown>>(decodeText: (stored: string) => string): ColumnReaders<Row> {
  const textOrNull = (row: Row, column: string): string | null => {
    const value = row[column];
    if (value === null) return null;
    if (typeof value !== 'string') throw new InternalError(`store column ${column} is not text`);
    return decodeText(value);
  };
  const text = (row: Row, column: string): string => {
    const value = textOrNull(row, column);
    if (value === null) throw new InternalError(`store column ${column} is not text`);
    return value;
  };
  const numberOrNull = (row: Row, column: string): number | null => {
    const value = row[column];
    if (value === null) return null;
    if (typeof value !== 'number') throw new InternalError(`store column ${column} is not a number`);
    return value;
  };
  return {
    text,
    textOrNull,
    number(row, column) {
      const value = numberOrNull(row, column);
      if (value === null) throw new InternalError(`store column ${column} is not a number`);
      return value;
    },
    numberOrNull,
    json: <T>(row: Row, column: string): T => JSON.parse(text(row, column)) as T,
    jsonOrNull<T>(row: Row, column: string): T | null {
      const value = textOrNull(row, column);
      return value === null ? null : (JSON.parse(value) as T);
    },
  };
}

export function toJsonText(value: unknown): string {
  return JSON.stringify(value);
}

export function toJsonTextOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
