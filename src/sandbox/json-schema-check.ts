import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsExport from 'ajv-formats';
import { ConfigError } from '../core/errors.ts';

/**
 * JSON Schema validation for everything Lamarck checks against a schema it did not write itself:
 * tool inputs and outputs (synthesized, library, MCP and built-in tools alike) and the schemas in
 * tool manifests a model proposes. Full draft 2020-12 by Ajv, with `format` checked; a schema that
 * names draft 2019-09 or draft-07 in `$schema` is read by that draft's rules.
 *
 * - `checkSchemaShape` lists what is wrong with a schema itself, each problem named by its path in
 *   the schema (`inputSchema.properties.count.type`); an empty list means it compiles.
 * - `checkJsonSchema` lists what is wrong with a value (`input.items[2].count: expected integer,
 *   got string`); it throws a ConfigError naming the schema's field when the schema is invalid.
 *
 * Compiled schemas are cached by their JSON text, so checking every call costs one lookup.
 * Remote `$ref`s are never fetched: a reference that is not inside the schema is an error.
 */
export interface SchemaIssue {
  path: string;
  message: string;
}

const MAX_ISSUES = 20;
const MAX_CACHED_SCHEMAS = 512;

type Dialect = 'draft-2020-12' | 'draft-2019-09' | 'draft-07';

/** `$schema` URIs as they appear in the wild: with or without `#`, over http or https. */
const DIALECTS: Record<string, Dialect> = {
  'json-schema.org/draft/2020-12/schema': 'draft-2020-12',
  'json-schema.org/draft/2019-09/schema': 'draft-2019-09',
  'json-schema.org/draft-07/schema': 'draft-07',
};

/**
 * Lenient where schemas from models and MCP servers are often loose (unknown keywords, unknown
 * formats are ignored, as the specification says), strict where it matters: every error is
 * reported and the formats Ajv knows are checked.
 */
const AJV_OPTIONS: Options = { allErrors: true, strict: false, verbose: true, logger: false, validateFormats: true };
const addFormats = ('default' in formatsExport ? formatsExport.default : formatsExport) as unknown as (ajv: Ajv) => void;

const validators = new Map<Dialect, Ajv>();

interface CompiledEntry {
  schema: unknown;
  dialect: Dialect;
  validate: ValidateFunction | undefined;
  problems: SchemaIssue[];
}

const cache = new Map<string, CompiledEntry>();

export function checkJsonSchema(schema: unknown, value: unknown, rootPath = 'input', schemaPath = 'schema'): SchemaIssue[] {
  const entry = compiled(schema);
  if (entry.validate === undefined) {
    const first = entry.problems[0] ?? { path: '', message: 'is not a valid JSON Schema' };
    throw new ConfigError(joinSchemaPath(schemaPath, first.path), first.message);
  }
  if (entry.validate(value)) return [];
  return issuesOf(entry.validate.errors ?? [], rootPath);
}

export function formatSchemaIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

/** Problems in a schema itself, each named by its path in the schema; empty when the schema compiles. */
export function checkSchemaShape(schema: unknown, rootPath = 'inputSchema'): SchemaIssue[] {
  return compiled(schema).problems.map((problem) => ({ path: joinSchemaPath(rootPath, problem.path), message: problem.message }));
}

function compiled(schema: unknown): CompiledEntry {
  let key: string;
  try {
    key = JSON.stringify(schema) ?? 'undefined';
  } catch {
    return { schema, dialect: 'draft-2020-12', validate: undefined, problems: [{ path: '', message: 'is not JSON (a cycle, a BigInt or a function)' }] };
  }
  const cached = cache.get(key);
  if (cached !== undefined) {
    // Most recently used last, so the oldest is evicted first.
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const entry = compile(JSON.parse(key === 'undefined' ? 'null' : key) as unknown);
  cache.set(key, entry);
  if (cache.size > MAX_CACHED_SCHEMAS) {
    const oldestKey = cache.keys().next().value!;
    cache.delete(oldestKey);
  }
  return entry;
}

function compile(schema: unknown): CompiledEntry {
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    return { schema, dialect: 'draft-2020-12', validate: undefined, problems: [{ path: '', message: 'expected a JSON Schema object (or true / false)' }] };
  }
  const declared = typeof schema === 'object' ? (schema as Record<string, unknown>)['$schema'] : undefined;
  const dialect = dialectOf(declared);
  if (dialect === undefined) {
    return {
      schema,
      dialect: 'draft-2020-12',
      validate: undefined,
      problems: [{ path: '$schema', message: `${JSON.stringify(declared)} is not a dialect Lamarck reads (use draft 2020-12, 2019-09 or draft-07)` }],
    };
  }
  const ajv = validatorFor(dialect);
  if (ajv.validateSchema(schema) !== true) {
    return { schema, dialect, validate: undefined, problems: shapeIssuesOf(ajv.errors ?? []) };
  }
  try {
    return { schema, dialect, validate: ajv.compile(schema), problems: [] };
  } catch (error) {
    // What the meta-schema cannot see: an unresolvable `$ref`, a `pattern` that is no regular expression.
    return { schema, dialect, validate: undefined, problems: [{ path: '', message: error instanceof Error ? error.message : String(error) }] };
  } finally {
    // A compiled validator keeps what it resolved; the registry entry would only make the next
    // schema with the same `$id` (another tool's) collide with this one.
    if (typeof schema === 'object') ajv.removeSchema(schema);
  }
}

function dialectOf(declared: unknown): Dialect | undefined {
  if (declared === undefined) return 'draft-2020-12';
  if (typeof declared !== 'string') return undefined;
  return DIALECTS[declared.replace(/^https?:\/\//, '').replace(/#$/, '')];
}

function validatorFor(dialect: Dialect): Ajv {
  let ajv = validators.get(dialect);
  if (ajv === undefined) {
    ajv = dialect === 'draft-2020-12' ? new Ajv2020(AJV_OPTIONS) : dialect === 'draft-2019-09' ? new Ajv2019(AJV_OPTIONS) : new Ajv(AJV_OPTIONS);
    addFormats(ajv);
    validators.set(dialect, ajv);
  }
  return ajv;
}

/**
 * Meta-schema errors, one per place in the schema: the first is the specific one (`type` must be
 * one of the type names); the rest are the other alternatives of the same rule and the rule itself.
 */
function shapeIssuesOf(errors: readonly ErrorObject[]): SchemaIssue[] {
  const seen = new Set<string>();
  const first = errors.filter((error) => {
    if (seen.has(error.instancePath)) return false;
    seen.add(error.instancePath);
    return true;
  });
  return dedupe(first.map((error) => ({ path: pointerToSchemaPath(error.instancePath), message: messageOf(error) })));
}

function issuesOf(errors: readonly ErrorObject[], rootPath: string): SchemaIssue[] {
  return dedupe(withoutAlternativeEchoes(errors).map((error) => describe(error, rootPath)));
}

/**
 * With every error collected, a failed `anyOf` or `oneOf` also reports why each alternative
 * failed. Those inner errors contradict each other ("expected string", "expected integer") and
 * are dropped; the combinator's own error stays.
 */
function withoutAlternativeEchoes(errors: readonly ErrorObject[]): ErrorObject[] {
  const combinators = errors.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf').map((error) => `${error.schemaPath}/`);
  return errors.filter((error) => !combinators.some((prefix) => error.schemaPath.startsWith(prefix)));
}

function describe(error: ErrorObject, rootPath: string): SchemaIssue {
  const path = pointerToValuePath(rootPath, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: joinValuePath(path, String(params['missingProperty'])), message: 'is required' };
    case 'additionalProperties':
      return { path: joinValuePath(path, String(params['additionalProperty'])), message: 'is not an allowed property' };
    case 'unevaluatedProperties':
      return { path: joinValuePath(path, String(params['unevaluatedProperty'])), message: 'is not an allowed property' };
    default:
      return { path, message: messageOf(error) };
  }
}

/** Ajv's message, reworded where the wording this project has always shown reads better. */
function messageOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `expected ${[params['type']].flat().join(' or ')}, got ${describeType(error.data)}`;
    case 'enum':
      return `must be one of ${(params['allowedValues'] as unknown[]).map((option) => JSON.stringify(option)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params['allowedValue'])}`;
    case 'false schema':
      return 'no value is allowed here';
    case 'minLength':
      return `must be at least ${String(params['limit'])} characters`;
    case 'maxLength':
      return `must be at most ${String(params['limit'])} characters`;
    case 'minItems':
      return `must have at least ${String(params['limit'])} items`;
    case 'maxItems':
      return `must have at most ${String(params['limit'])} items`;
    case 'pattern':
      return `must match the pattern ${String(params['pattern'])}`;
    case 'anyOf':
      return 'does not match any of the allowed forms (anyOf)';
    case 'not':
      return 'must not match the schema under "not"';
    case 'uniqueItems': {
      const [first, second] = [Number(params['i']), Number(params['j'])].sort((left, right) => left - right);
      return `must not repeat items (items ${first} and ${second} are equal)`;
    }
    default:
      return error.message ?? `fails "${error.keyword}"`;
  }
}

function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  const unique: SchemaIssue[] = [];
  for (const issue of issues) {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(issue);
    if (unique.length >= MAX_ISSUES) break;
  }
  return unique;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** `/items/2/odd key` under `input` reads `input.items[2]["odd key"]`. */
function pointerToValuePath(rootPath: string, pointer: string): string {
  return pointerSegments(pointer).reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : joinValuePath(path, segment)), rootPath);
}

function joinValuePath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

/** Paths inside a schema are the dotted form configuration errors use: `properties.count.type`. */
function pointerToSchemaPath(pointer: string): string {
  return pointerSegments(pointer).join('.');
}

function joinSchemaPath(root: string, path: string): string {
  return path === '' ? root : `${root}.${path}`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
