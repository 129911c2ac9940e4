import type { JsonObject } from '../../core/json.ts';
import { json, jsonOrNull, number, numberOrNull, text, textOrNull, type SqliteRow } from '../../store/sqlite/columns.ts';
import type { JobRecord, JobState } from '../types.ts';

/** A `queue_jobs` row as the contract's JobRecord. */
export function jobRecordFromRow(row: SqliteRow): JobRecord {
  return {
    id: text(row, 'id'),
    queue: text(row, 'queue'),
    state: text(row, 'state') as JobState,
    payload: json<JsonObject>(row, 'payload'),
    idempotencyKey: textOrNull(row, 'idempotency_key'),
    attempts: number(row, 'attempts'),
    maxAttempts: number(row, 'max_attempts'),
    result: jsonOrNull<JsonObject>(row, 'result'),
    lastError: textOrNull(row, 'last_error'),
    workerId: textOrNull(row, 'worker_id'),
    createdAt: number(row, 'created_at'),
    claimedAt: numberOrNull(row, 'claimed_at'),
    finishedAt: numberOrNull(row, 'finished_at'),
  };
}
