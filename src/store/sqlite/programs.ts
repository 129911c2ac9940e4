import { NotFoundError } from '../../core/errors.ts';
import { programRowMapping } from '../program-rows.ts';
import type { ProgramRecord, ProgramSummary } from '../types.ts';
import { limitOrAll, number, sqliteColumns, toJsonText, toJsonTextOrNull } from './columns.ts';
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

const { toSummary, toProgram } = programRowMapping(sqliteColumns);
