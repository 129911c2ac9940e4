import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeIssue } from '../core/config-issues.ts';
import { ConfigError } from '../core/errors.ts';
import { requirePath } from '../core/require-path.ts';
import type { JsonValue } from '../core/json.ts';

/**
 * The task stream: JSONL, one task per line, with an optional verifier. Persisted format v1. The
 * whole file is checked before anything runs: every bad line is reported with its line number and
 * the field at fault (a TaskStreamError listing them all), and one bad line refuses the file, so a
 * run never stops half-way on input that could have been refused up front.
 */
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const verifySchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('exact'),
      expected: z.string(),
      /** Compare ignoring case. Default false. */
      ignoreCase: z.boolean().default(false),
      /** Trim surrounding whitespace on both sides first. Default true. */
      trim: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      type: z.literal('regex'),
      pattern: z.string().refine(isValidRegex, 'not a valid regular expression'),
      flags: z.string().regex(/^[imsu]*$/, 'flags may only contain i, m, s, u').default(''),
    })
    .strict(),
  z
    .object({
      type: z.literal('json'),
      expected: jsonValue,
      /** Objects in the answer may have more keys than `expected`. Default false. */
      subset: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal('command'),
      /** Run with the answer on stdin and the task as JSON in LAMARCK_TASK; exit code 0 passes. */
      command: z.array(z.string().min(1, 'must not be an empty string')).min(1),
      timeoutMs: z.number().int().positive().max(600_000).default(30_000),
    })
    .strict(),
  z
    .object({
      type: z.literal('predicate'),
      /** JavaScript source of `(answer, task) => boolean`, run in the QuickJS sandbox. */
      source: z.string().min(1),
      timeoutMs: z.number().int().positive().max(60_000).default(2_000),
    })
    .strict(),
]);
export type Verify = z.infer<typeof verifySchema>;

export const taskSchema = z
  .object({
    id: z.string().max(200).refine(hasText, 'must not be empty or only whitespace'),
    prompt: z.string().refine(hasText, 'must not be empty or only whitespace'),
    verify: verifySchema.optional(),
    tags: z.array(z.string()).default([]),
    split: z.enum(['train', 'holdout']).default('train'),
    /** The library gap `lamarck curriculum --from-gaps` wrote the task for (its target id). */
    gap: z.string().max(200).refine(hasText, 'must not be empty or only whitespace').optional(),
  })
  .strict();
export type Task = z.infer<typeof taskSchema>;

/** One bad line of a task file: where, which field, and what is wrong. */
export interface TaskLineProblem {
  line: number;
  /** The dotted field at fault, `(task)` for the line as a whole, `(json)` for text that does not parse. */
  field: string;
  message: string;
}

/** Lines listed in the message; the rest are counted (all of them stay in `problems`). */
const listedProblems = 20;

/** A task file with bad lines: a ConfigError naming the first, whose message lists every one. */
export class TaskStreamError extends ConfigError {
  readonly problems: readonly TaskLineProblem[];
  constructor(source: string, problems: readonly TaskLineProblem[]) {
    const describe = (problem: TaskLineProblem): string =>
      problem.field === '(json)' ? `line ${problem.line}: ${problem.message}` : `line ${problem.line}: ${problem.field}: ${problem.message}`;
    const first = problems[0]!;
    const rest = problems.slice(1, listedProblems).map(describe);
    const hidden = problems.length - 1 - rest.length;
    const message = [
      first.message,
      ...rest,
      ...(hidden > 0 ? [`and ${hidden} more bad line${hidden === 1 ? '' : 's'}`] : []),
    ].join('; ');
    // The field is the first bad line's, so the one-line error reads "<file>: line 3: prompt: ...".
    super(first.field === '(json)' ? `line ${first.line}` : `line ${first.line}: ${first.field}`, message, { source });
    this.problems = problems;
  }
}

/**
 * Parses JSONL text; `source` names the file in errors. Blank lines and `//` comments are skipped.
 * Throws a TaskStreamError listing every bad line (invalid JSON, a missing or blank id or prompt, a
 * bad verifier, a duplicate id) when there is at least one.
 */
export function parseTaskStream(text: string, source = 'tasks.jsonl'): Task[] {
  const tasks: Task[] = [];
  const problems: TaskLineProblem[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('//')) return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      problems.push({ line: lineNumber, field: '(json)', message: `not valid JSON (${(error as Error).message})` });
      return;
    }
    const parsed = taskSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const described = describeIssue([issue], { input: value, schema: taskSchema });
        problems.push({ line: lineNumber, field: described.field === '(root)' ? '(task)' : described.field, message: described.message });
      }
      return;
    }
    const earlier = seen.get(parsed.data.id);
    if (earlier !== undefined) {
      problems.push({ line: lineNumber, field: 'id', message: `duplicate task id "${parsed.data.id}" (first on line ${earlier})` });
      return;
    }
    seen.set(parsed.data.id, lineNumber);
    tasks.push(parsed.data);
  });
  if (problems.length > 0) throw new TaskStreamError(source, problems);
  return tasks;
}

export async function readTaskStream(path: string): Promise<Task[]> {
  await requirePath(path, 'file', 'task file');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('tasks', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseTaskStream(text, path);
}

function hasText(value: string): boolean {
  return value.trim().length > 0;
}

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
