import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { definedOnly } from './defined-only.ts';

/**
 * The one translation from a schema's complaint to words for people, shared by every file Lamarck
 * reads (lamarck.config.json and its sections, lamarck.json, tool.json, task lines). A complaint
 * names the dotted field and says one of:
 * - `required`: the field is missing;
 * - `unknown key (allowed: a, b)`: the field is not part of the format (a typo, usually);
 * - the schema's own message, when the schema wrote one for people (`expected a positive number`);
 * - `expected <type>, got <value>`, in place of zod's generic wording.
 */
export interface DescribedIssue {
  /** Dotted path from the document's root, `(root)` for the document itself. */
  field: string;
  message: string;
}

export interface DescribeOptions {
  /** The value that was checked, to quote what was found and tell a missing field from a wrong one. */
  input?: unknown;
  /** Prepended to every path, e.g. `['evolve']` for a section of lamarck.config.json. */
  prefix?: readonly string[];
  /** The schema that was checked, to list the allowed keys next to an unknown one. */
  schema?: z.ZodType;
}

export function describeIssue(issues: readonly z.core.$ZodIssue[], options: DescribeOptions = {}): DescribedIssue {
  const issue = pickIssue(issues);
  const path = issue.path.map(String);
  const prefix = options.prefix ?? [];
  // A key that is the empty string is shown as "" so the field is never blank.
  const join = (parts: readonly string[]): string => (parts.length === 0 ? '(root)' : parts.map((part) => (part === '' ? '""' : part)).join('.'));
  if (issue.code === 'unrecognized_keys') {
    const allowed = options.schema === undefined ? [] : allowedKeys(options.schema, issue.path);
    return {
      field: join([...prefix, ...path, issue.keys[0] ?? '']),
      message: `unknown key${allowed.length === 0 ? '' : ` (allowed: ${allowed.join(', ')})`}`,
    };
  }
  const field = join([...prefix, ...path]);
  const found = valueAt(options.input, issue.path);
  if (found.missing && path.length > 0) return { field, message: 'required' };
  const generic = /^Invalid (?:input|option)(?::\s*(expected [^,]+))?/.exec(issue.message);
  if (generic === null) {
    // The schema's own words; quote a wrong scalar after them, as the generic case does.
    const quoted = path.length > 0 && (found.value === null || typeof found.value !== 'object') ? `, got ${describeValue(found.value)}` : '';
    return { field, message: `${issue.message}${quoted}` };
  }
  const expected = generic[1] ?? 'a valid value';
  return { field, message: `${expected}, got ${found.missing ? 'nothing' : describeValue(found.value)}` };
}

/** A ConfigError for the first complaint of a failed parse. */
export function configErrorFromIssues(error: z.ZodError, options: DescribeOptions & { source?: string | undefined } = {}): ConfigError {
  const { field, message } = describeIssue(error.issues, options);
  return new ConfigError(field, message, { ...definedOnly({ source: options.source }), cause: error });
}

/** Parses `input` with `schema`, or throws the ConfigError describing why it does not fit. */
export function parseOrThrow<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  options: Omit<DescribeOptions, 'input' | 'schema'> & { source?: string | undefined } = {},
): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw configErrorFromIssues(parsed.error, { ...options, input, schema });
}

// A union reports its members' issues nested; the deepest one usually names the real mistake.
function pickIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const first = issues[0]!;
  if (first.code === 'invalid_union' && first.errors.length > 0) {
    const candidates = first.errors
      .map((branch) => branch.map((inner) => ({ ...inner, path: [...first.path, ...inner.path] }) as z.core.$ZodIssue))
      .filter((branch) => branch.length > 0);
    // Prefer a branch whose complaint lies inside the value over one that rejected its type
    // outright, and of those the one with the fewest complaints: it is the shape the user meant.
    const deep = candidates
      .filter((branch) => branch.some((inner) => inner.path.length > first.path.length && inner.code !== 'unrecognized_keys'))
      .sort((a, b) => a.length - b.length)[0];
    if (deep !== undefined) return pickIssue(deep);
  }
  return first;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): { missing: boolean; value: unknown } {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return { missing: true, value: undefined };
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return { missing: current === undefined, value: current };
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The keys an object schema accepts at `path`, through optional, default and refined wrappers. */
function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const part of [...path, undefined]) {
    current = unwrap(current);
    if (part === undefined) break;
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType | undefined>)[String(part)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape).filter((key) => key !== '$schema') : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else return current;
  }
}
