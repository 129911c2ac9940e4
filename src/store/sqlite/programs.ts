import { NotFoundError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { FailureRecord, ProgramRecord, ProgramStatus, ProgramSummary, ProgramTiming } from '../types.ts';
import { json, jsonOrNull, limitOrAll, number, numberOrNull, text, textOrNull, toJsonText, toJsonTextOrNull, type SqliteRow } from './columns.ts';
import type { SqliteConnection } from './connection.ts';
import { isConstraintFailure } from './errors.ts';

/**
 * The sequence is the run's highest plus one, computed inside the INSERT itself: a single write
 * statement holds SQLite's write lock from its first read, so two processes cannot draw the same
 * number. ON CONFLICT (id) makes a replayed put a no-op.
 */
const insertProgram = `
  INSERT INTO programs (
    id, run_id, sequence, parent_id, inspiration_ids, island, generation, operator, files, diff, status,
    score, metrics, features, artifacts, failure, model, prompt, reply, tokens_in, tokens_out, cost_usd,
    timing, created_at, fingerprint
  )
  SELECT ?, ?, COALESCE(MAX(sequence), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
  FROM programs WHERE run_id = ?
  ON CONFLICT (id) DO NOTHING
  RETURNING sequence`;

export class SqlitePrograms {
  readonly #connection: SqliteConnection;

  constructor(connection: SqliteConnection) {
    this.#connection = connection;
  }

  put(program: ProgramRecord): ProgramRecord {
    let inserted;
    try {
      inserted = this.#connection
        .statement(insertProgram)
        .get(
          program.id,
          program.runId,
          program.parentId,
          toJsonText(program.inspirationIds),
          program.island,
          program.generation,
          program.operator,
          toJsonText(program.files),
          program.diff,
          program.status,
          program.score,
          toJsonText(program.metrics),
          toJsonText(program.features),
          toJsonText(program.artifacts),
          toJsonTextOrNull(program.failure),
          program.model,
          program.prompt,
          program.reply,
          program.tokensIn,
          program.tokensOut,
          program.costUsd,
          toJsonText(program.timing),
          program.createdAt,
          program.fingerprint ?? null,
          program.runId,
        );
    } catch (error) {
      // The only foreign key is the run: a program for a run that was never created.
      if (isConstraintFailure(error) && this.#connection.statement('SELECT 1 FROM runs WHERE id = ?').get(program.runId) === undefined) {
        throw new NotFoundError('run', program.runId);
      }
      throw error;
    }
    if (inserted === undefined) {
      const existing = this.get(program.id);
      if (existing === undefined) throw new NotFoundError('program', program.id);
      return existing;
    }
    return { ...program, sequence: number(inserted, 'sequence') };
  }

  get(id: string): ProgramRecord | undefined {
    const row = this.#connection.statement('SELECT * FROM programs WHERE id = ?').get(id);
    return row === undefined ? undefined : toProgram(row);
  }

  list(runId: string, options: { afterSequence?: number; limit?: number } = {}): ProgramRecord[] {
    return this.#connection
      .statement('SELECT * FROM programs WHERE run_id = ? AND sequence > ? ORDER BY sequence LIMIT ?')
      .all(runId, options.afterSequence ?? 0, limitOrAll(options.limit))
      .map(toProgram);
  }

  /** Reads the summary columns only: the code and texts stay on disk. */
  listSummaries(runId: string, options: { afterSequence?: number; limit?: number } = {}): ProgramSummary[] {
    return this.#connection
      .statement(`SELECT ${summaryColumns} FROM programs WHERE run_id = ? AND sequence > ? ORDER BY sequence LIMIT ?`)
      .all(runId, options.afterSequence ?? 0, limitOrAll(options.limit))
      .map(toSummary);
  }

  count(runId: string): number {
    const row = this.#connection.statement('SELECT COUNT(*) AS count FROM programs WHERE run_id = ?').get(runId);
    return row === undefined ? 0 : number(row, 'count');
  }
}

const summaryColumns =
  'id, run_id, sequence, parent_id, inspiration_ids, island, generation, operator, status, score, metrics, features, ' +
  'failure, model, tokens_in, tokens_out, cost_usd, timing, created_at, fingerprint';

function toSummary(row: SqliteRow): ProgramSummary {
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
    ...(fingerprint === null ? {} : { fingerprint }),
  };
}

/** A full record is its summary plus the heavy columns the summary leaves out. */
function toProgram(row: SqliteRow): ProgramRecord {
  return {
    ...toSummary(row),
    files: json<Record<string, string>>(row, 'files'),
    diff: text(row, 'diff'),
    artifacts: json<JsonObject>(row, 'artifacts'),
    prompt: textOrNull(row, 'prompt'),
    reply: textOrNull(row, 'reply'),
  };
}
