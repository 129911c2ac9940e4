import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';

/**
 * The task stream: JSONL, one task per line, with an optional verifier. Persisted format v1; a
 * bad line is reported with its line number and the field at fault, and nothing runs.
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
      command: z.array(z.string()).min(1),
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
    id: z.string().min(1).max(200),
    prompt: z.string().min(1),
    verify: verifySchema.optional(),
    tags: z.array(z.string()).default([]),
    split: z.enum(['train', 'holdout']).default('train'),
  })
  .strict();
export type Task = z.infer<typeof taskSchema>;

/** Parses JSONL text; `source` names the file in errors. Blank lines and `//` comments are skipped. */
export function parseTaskStream(text: string, source = 'tasks.jsonl'): Task[] {
  const tasks: Task[] = [];
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
      throw new ConfigError(`line ${lineNumber}`, `not valid JSON (${(error as Error).message})`, { source });
    }
    const parsed = taskSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length === 0 ? '(task)' : issue.path.map(String).join('.');
      throw new ConfigError(`line ${lineNumber}: ${field}`, issue.message, { source });
    }
    const earlier = seen.get(parsed.data.id);
    if (earlier !== undefined) {
      throw new ConfigError(`line ${lineNumber}: id`, `duplicate task id "${parsed.data.id}" (first on line ${earlier})`, { source });
    }
    seen.set(parsed.data.id, lineNumber);
    tasks.push(parsed.data);
  });
  return tasks;
}

export async function readTaskStream(path: string): Promise<Task[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('tasks', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseTaskStream(text, path);
}

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
