import { NotFoundError } from '../../core/errors.ts';
import { programRowMapping } from '../program-rows.ts';
import type { ProgramRecord, ProgramSummary } from '../types.ts';
import { encodeText, encodeTextOrNull, limitOrAll, number, numberOrNull, postgresColumns, toJsonText, toJsonTextOrNull } from './columns.ts';
import type { PostgresConnection } from './connection.ts';

/**
 * A program's sequence is one past the run's highest. Two writers (processes or pooled connections)
 * must not draw the same number, so the insert runs with the run's row locked: writers of one run
 * queue there, writers of different runs do not meet. The lock, the numbering and the insert are
 * one server-side call, `put_program` (migration 2): one round trip per program.
 */
const putProgram = `SELECT put_program(${Array.from({ length: 24 }, (_, index) => `$${index + 1}`).join(', ')}) AS sequence`;

const summaryColumns =
  'id, run_id, sequence, parent_id, inspiration_ids, island, generation, operator, status, score, metrics, features, ' +
  'failure, model, tokens_in, tokens_out, cost_usd, timing, created_at, fingerprint';

export class PostgresPrograms {
  readonly #connection: PostgresConnection;

  constructor(connection: PostgresConnection) {
    this.#connection = connection;
  }

  async put(program: ProgramRecord): Promise<ProgramRecord> {
    const { rows } = await this.#connection.query(putProgram, programValues(program));
    const sequence = numberOrNull(rows[0] ?? {}, 'sequence');
    if (sequence === -1) throw new NotFoundError('run', program.runId);
    if (sequence === null) {
      // Putting an id again is a no-op (a resumed run may write what it wrote before it died): the
      // insert's ON CONFLICT (id) leaves the row, and no number is used up.
      const stored = await this.get(program.id);
      if (stored === undefined) throw new NotFoundError('program', program.id);
      return stored;
    }
    return { ...structuredClone(program), sequence };
  }

  async get(id: string): Promise<ProgramRecord | undefined> {
    const { rows } = await this.#connection.query('SELECT * FROM programs WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toProgram(rows[0]);
  }

  async list(runId: string, options: { afterSequence?: number; limit?: number } = {}): Promise<ProgramRecord[]> {
    const { rows } = await this.#connection.query(
      'SELECT * FROM programs WHERE run_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3',
      [runId, options.afterSequence ?? 0, limitOrAll(options.limit)],
    );
    return rows.map(toProgram);
  }

  /** Reads the summary columns only: the code and texts (TOASTed out of line) are never fetched. */
  async listSummaries(runId: string, options: { afterSequence?: number; limit?: number } = {}): Promise<ProgramSummary[]> {
    const { rows } = await this.#connection.query(
      `SELECT ${summaryColumns} FROM programs WHERE run_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`,
      [runId, options.afterSequence ?? 0, limitOrAll(options.limit)],
    );
    return rows.map(toSummary);
  }

  async count(runId: string): Promise<number> {
    const { rows } = await this.#connection.query('SELECT COUNT(*) AS count FROM programs WHERE run_id = $1', [runId]);
    return rows[0] === undefined ? 0 : number(rows[0], 'count');
  }
}

function programValues(program: ProgramRecord): unknown[] {
  return [
    program.id,
    program.runId,
    program.parentId,
    toJsonText(program.inspirationIds),
    program.island,
    program.generation,
    encodeText(program.operator),
    toJsonText(program.files),
    encodeText(program.diff),
    program.status,
    program.score,
    toJsonText(program.metrics),
    toJsonText(program.features),
    toJsonText(program.artifacts),
    toJsonTextOrNull(program.failure),
    encodeTextOrNull(program.model),
    encodeTextOrNull(program.prompt),
    encodeTextOrNull(program.reply),
    program.tokensIn,
    program.tokensOut,
    program.costUsd,
    toJsonText(program.timing),
    program.createdAt,
    program.fingerprint ?? null,
  ];
}

const { toSummary, toProgram } = programRowMapping(postgresColumns);
