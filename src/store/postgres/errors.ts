import { isLamarckError, StoreError, type LamarckError } from '../../core/errors.ts';
import { withoutPassword } from '../store-url.ts';

/** SQLSTATE codes this store reacts to (PostgreSQL's errcodes appendix). */
const uniqueViolation = '23505';
const foreignKeyViolation = '23503';
const retryableStates = new Set(['40001', '40P01', '57P01', '57P03', '08000', '08001', '08003', '08004', '08006']);

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === uniqueViolation;
}

export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === foreignKeyViolation;
}

/**
 * Turns whatever the driver threw into a LamarckError whose message never carries the password. A
 * lost connection, a serialization failure or a deadlock is retryable; a refused connection names
 * the server (without the password) so the cause is plain.
 */
export function toPostgresStoreError(error: unknown, action: string, password: string | undefined): LamarckError {
  if (isLamarckError(error)) return error;
  const state = sqlState(error);
  const reason = withoutPassword(error instanceof Error ? error.message : String(error), password);
  if (state === uniqueViolation || state === foreignKeyViolation) {
    return new StoreError(`store rejected ${action}: ${reason}`, { code: 'store-constraint' });
  }
  const errno = (error as { code?: unknown } | null)?.code;
  const unreachable = typeof errno === 'string' && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(errno);
  if ((state !== undefined && retryableStates.has(state)) || unreachable || /timeout|terminated|Connection ended/i.test(reason)) {
    return new StoreError(`store unreachable while trying to ${action}: ${reason}`, { code: 'store-unavailable', isRetryable: true });
  }
  // The driver's error object can hold the connection settings: it is not kept as the cause.
  return new StoreError(`store failed to ${action}: ${reason}`, { code: 'store-failed' });
}
