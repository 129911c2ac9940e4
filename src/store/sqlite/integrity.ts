import { StoreError } from '../../core/errors.ts';
import type { SqliteConnection } from './connection.ts';

/**
 * SQLite's own damage check. `PRAGMA quick_check` reads every page of the file (about 2.5 s for a
 * 400 MiB store with 100,000 programs here), so a store runs it on open only while the file is
 * small, and otherwise when a statement reports damage and when `lamarck doctor` asks.
 */
export const quickCheckOnOpenMaxBytes = 32 * 2 ** 20;

/** How many problems are read back: enough to show, without walking every broken page. */
const reportedProblems = 10;

/** SQLite result codes that mean the file itself is damaged (https://sqlite.org/rescode.html). */
const sqliteCorrupt = 11;
const sqliteNotADatabase = 26;

export function isDamageCode(code: number | undefined): boolean {
  return code === sqliteCorrupt || code === sqliteNotADatabase;
}

/** The problems `PRAGMA quick_check` finds; empty when it answers "ok". A file too damaged to check is one problem. */
export function quickCheck(connection: SqliteConnection): string[] {
  try {
    const rows = connection.database.prepare(`PRAGMA quick_check(${reportedProblems})`).all();
    const lines = rows.map((row) => String(Object.values(row)[0]));
    return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

/** The refusal every write of a damaged store ends with: names the file and what the check found. */
export function damagedStoreError(location: string, problems: readonly string[], action: string): StoreError {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new StoreError(
    `the store ${location} is damaged (PRAGMA quick_check: ${problems[0]}${more}); refusing to ${action} so nothing new is written into it. ` +
      'Read what still reads, or recover it with sqlite3 ".recover", and point lamarck at a new store',
    { code: 'store-damaged' },
  );
}
