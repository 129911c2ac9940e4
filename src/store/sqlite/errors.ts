import { isLamarckError, StoreError, type LamarckError } from '../../core/errors.ts';

/** SQLite result codes this store reacts to (https://sqlite.org/rescode.html). */
const sqliteBusy = 5;
const sqliteLocked = 6;
const sqliteConstraint = 19;

interface SqliteFailure {
  errcode: number;
  errstr?: string;
}

function isSqliteFailure(error: unknown): error is Error & SqliteFailure {
  return error instanceof Error && typeof (error as Partial<SqliteFailure>).errcode === 'number';
}

/** The primary result code (the low byte of an extended code), or undefined for non-SQLite errors. */
export function sqliteResultCode(error: unknown): number | undefined {
  return isSqliteFailure(error) ? error.errcode & 0xff : undefined;
}

export function isConstraintFailure(error: unknown): boolean {
  return sqliteResultCode(error) === sqliteConstraint;
}

/**
 * Turns whatever a SQLite call threw into a LamarckError. A lock held past busy_timeout is
 * retryable (another process was writing); everything else is not.
 */
export function toStoreError(error: unknown, action: string): LamarckError {
  if (isLamarckError(error)) return error;
  const code = sqliteResultCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (code === sqliteBusy || code === sqliteLocked) {
    return new StoreError(`store busy while trying to ${action}: ${reason}`, { cause: error, code: 'store-busy', isRetryable: true });
  }
  if (code === sqliteConstraint) {
    return new StoreError(`store rejected ${action}: ${reason}`, { cause: error, code: 'store-constraint' });
  }
  return new StoreError(`store failed to ${action}: ${reason}`, { cause: error });
}
