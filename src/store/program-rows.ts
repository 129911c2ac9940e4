import type { JsonObject } from '../core/json.ts';
import type { ColumnReaders } from './column-readers.ts';
import type { FailureRecord, ProgramRecord, ProgramStatus, ProgramSummary, ProgramTiming } from './types.ts';

/**
 * A programs row as a record, for both SQL stores: they keep the same columns and differ only in
 * how a text reads back (column-readers.ts), so the mapping is written once.
 */
export function programRowMapping<Row extends Record<string, unknown>>(readers: ColumnReaders<Row>): {
  toSummary(row: Row): ProgramSummary;
  toProgram(row: Row): ProgramRecord;
} {
  const { text, textOrNull, number, numberOrNull, json, jsonOrNull } = readers;
  const toSummary = (row: Row): ProgramSummary => {
    const fingerprint = textOrNull(row, 'fingerprint');
    return {
      id: text(row, 'id'),
      runId: text(row, 'run_id'),
      sequence: number(row, 'sequence'),
      parentId: textOrNull(row, 'parent_id'),
      inspirationIds: json<string[]>(row, 'inspiration_ids'),
      island: number(row, 'island'),
      generation: number(row, 'generation'),
      operator: text(row, 'operator'),
      status: text(row, 'status') as ProgramStatus,
      score: numberOrNull(row, 'score'),
      metrics: json<JsonObject>(row, 'metrics'),
      features: json<Record<string, number>>(row, 'features'),
      failure: jsonOrNull<FailureRecord>(row, 'failure'),
      model: textOrNull(row, 'model'),
      tokensIn: number(row, 'tokens_in'),
      tokensOut: number(row, 'tokens_out'),
      costUsd: number(row, 'cost_usd'),
      timing: json<ProgramTiming>(row, 'timing'),
      createdAt: number(row, 'created_at'),
      // Programs stored before fingerprints existed have none; the field is then absent, not null.
      ...(fingerprint === null ? {} : { fingerprint }),
    };
  };
  return {
    toSummary,
    // A full record is its summary plus the heavy columns the summary leaves out.
    toProgram: (row) => ({
      ...toSummary(row),
      files: json<Record<string, string>>(row, 'files'),
      diff: text(row, 'diff'),
      artifacts: json<JsonObject>(row, 'artifacts'),
      prompt: textOrNull(row, 'prompt'),
      reply: textOrNull(row, 'reply'),
    }),
  };
}
