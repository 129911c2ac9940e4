/**
 * A validator for the subset of JSON Schema that tool inputs use: type, enum, const, properties,
 * required, additionalProperties, items, minItems/maxItems, minimum/maximum (and the exclusive
 * forms), minLength/maxLength, pattern, anyOf/oneOf/allOf. Other keywords ($ref, format, ...) are
 * ignored, so a schema using them validates more loosely, never more strictly.
 * Every issue names the path of the offending value: `input.items[2].count: expected integer, got string`.
 */
export interface SchemaIssue {
  path: string;
  message: string;
}

type Schema = boolean | { [keyword: string]: unknown };

const MAX_ISSUES = 20;

export function checkJsonSchema(schema: unknown, value: unknown, rootPath = 'input'): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  visit(asSchema(schema), value, rootPath, issues);
  return issues.slice(0, MAX_ISSUES);
}

export function formatSchemaIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

/** Problems in a schema itself (wrong keyword types), each named by its path in the schema. */
export function checkSchemaShape(schema: unknown, rootPath = 'inputSchema'): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  inspectShape(schema, rootPath, issues);
  return issues.slice(0, MAX_ISSUES);
}

function visit(schema: Schema, value: unknown, path: string, issues: SchemaIssue[]): void {
  if (issues.length >= MAX_ISSUES) return;
  if (schema === true) return;
  if (schema === false) {
    issues.push({ path, message: 'no value is allowed here' });
    return;
  }
  const types = typeList(schema['type']);
  if (types !== undefined && !types.some((type) => matchesType(type, value))) {
    issues.push({ path, message: `expected ${types.join(' or ')}, got ${describeType(value)}` });
    return;
  }
  if ('const' in schema && !deepEqual(schema['const'], value)) {
    issues.push({ path, message: `must be ${JSON.stringify(schema['const'])}` });
  }
  const allowed = schema['enum'];
  if (Array.isArray(allowed) && !allowed.some((option) => deepEqual(option, value))) {
    issues.push({ path, message: `must be one of ${allowed.map((option) => JSON.stringify(option)).join(', ')}` });
  }
  if (typeof value === 'number') checkNumber(schema, value, path, issues);
  if (typeof value === 'string') checkString(schema, value, path, issues);
  if (Array.isArray(value)) checkArray(schema, value, path, issues);
  else if (isPlainObject(value)) checkObject(schema, value, path, issues);
  checkCombinators(schema, value, path, issues);
}

function checkNumber(schema: Record<string, unknown>, value: number, path: string, issues: SchemaIssue[]): void {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  if (typeof minimum === 'number' && value < minimum) issues.push({ path, message: `must be >= ${minimum}` });
  if (typeof maximum === 'number' && value > maximum) issues.push({ path, message: `must be <= ${maximum}` });
  if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum) issues.push({ path, message: `must be > ${exclusiveMinimum}` });
  if (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum) issues.push({ path, message: `must be < ${exclusiveMaximum}` });
}

function checkString(schema: Record<string, unknown>, value: string, path: string, issues: SchemaIssue[]): void {
  // JSON Schema counts characters (code points), not UTF-16 units.
  const length = [...value].length;
  const { minLength, maxLength, pattern } = schema;
  if (typeof minLength === 'number' && length < minLength) issues.push({ path, message: `must be at least ${minLength} characters` });
  if (typeof maxLength === 'number' && length > maxLength) issues.push({ path, message: `must be at most ${maxLength} characters` });
  if (typeof pattern === 'string') {
    let expression: RegExp | undefined;
    try {
      expression = new RegExp(pattern, 'u');
    } catch {
      expression = undefined; // an invalid pattern is reported by checkSchemaShape, not held against the input
    }
    if (expression !== undefined && !expression.test(value)) issues.push({ path, message: `must match the pattern ${pattern}` });
  }
}

function checkArray(schema: Record<string, unknown>, value: unknown[], path: string, issues: SchemaIssue[]): void {
  const { minItems, maxItems, items } = schema;
  if (typeof minItems === 'number' && value.length < minItems) issues.push({ path, message: `must have at least ${minItems} items` });
  if (typeof maxItems === 'number' && value.length > maxItems) issues.push({ path, message: `must have at most ${maxItems} items` });
  if (items !== undefined && !Array.isArray(items)) {
    const itemSchema = asSchema(items);
    value.forEach((item, index) => visit(itemSchema, item, `${path}[${index}]`, issues));
  }
}

function checkObject(schema: Record<string, unknown>, value: Record<string, unknown>, path: string, issues: SchemaIssue[]): void {
  const properties = isPlainObject(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? schema['required'] : [];
  for (const name of required) {
    if (typeof name === 'string' && !Object.hasOwn(value, name)) issues.push({ path: joinPath(path, name), message: 'is required' });
  }
  const additional = schema['additionalProperties'];
  for (const [name, propertyValue] of Object.entries(value)) {
    const propertyPath = joinPath(path, name);
    if (Object.hasOwn(properties, name)) {
      visit(asSchema(properties[name]), propertyValue, propertyPath, issues);
    } else if (additional === false) {
      issues.push({ path: propertyPath, message: 'is not an allowed property' });
    } else if (additional !== undefined && additional !== true) {
      visit(asSchema(additional), propertyValue, propertyPath, issues);
    }
  }
}

function checkCombinators(schema: Record<string, unknown>, value: unknown, path: string, issues: SchemaIssue[]): void {
  const { allOf, anyOf, oneOf } = schema;
  if (Array.isArray(allOf)) for (const part of allOf) visit(asSchema(part), value, path, issues);
  if (Array.isArray(anyOf) && anyOf.length > 0) {
    const matches = anyOf.filter((part) => checkJsonSchema(part, value, path).length === 0).length;
    if (matches === 0) issues.push({ path, message: `does not match any of the ${anyOf.length} allowed forms` });
  }
  if (Array.isArray(oneOf) && oneOf.length > 0) {
    const matches = oneOf.filter((part) => checkJsonSchema(part, value, path).length === 0).length;
    if (matches !== 1) issues.push({ path, message: `must match exactly one of the ${oneOf.length} allowed forms (matches ${matches})` });
  }
}

const KNOWN_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

function inspectShape(schema: unknown, path: string, issues: SchemaIssue[]): void {
  if (typeof schema === 'boolean') return;
  if (!isPlainObject(schema)) {
    issues.push({ path, message: 'expected a JSON Schema object' });
    return;
  }
  const type = schema['type'];
  if (type !== undefined) {
    const list = Array.isArray(type) ? type : [type];
    for (const entry of list) {
      if (typeof entry !== 'string' || !KNOWN_TYPES.has(entry)) issues.push({ path: `${path}.type`, message: `unknown type ${JSON.stringify(entry)}` });
    }
  }
  const required = schema['required'];
  if (required !== undefined && (!Array.isArray(required) || required.some((name) => typeof name !== 'string'))) {
    issues.push({ path: `${path}.required`, message: 'expected an array of property names' });
  }
  if (schema['enum'] !== undefined && !Array.isArray(schema['enum'])) issues.push({ path: `${path}.enum`, message: 'expected an array' });
  for (const keyword of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems']) {
    if (schema[keyword] !== undefined && typeof schema[keyword] !== 'number') issues.push({ path: `${path}.${keyword}`, message: 'expected a number' });
  }
  if (schema['pattern'] !== undefined) {
    try {
      new RegExp(String(schema['pattern']), 'u');
    } catch {
      issues.push({ path: `${path}.pattern`, message: 'is not a valid regular expression' });
    }
  }
  const properties = schema['properties'];
  if (properties !== undefined) {
    if (!isPlainObject(properties)) issues.push({ path: `${path}.properties`, message: 'expected an object of schemas' });
    else for (const [name, child] of Object.entries(properties)) inspectShape(child, joinPath(`${path}.properties`, name), issues);
  }
  const items = schema['items'];
  if (items !== undefined && !Array.isArray(items)) inspectShape(items, `${path}.items`, issues);
  const additional = schema['additionalProperties'];
  if (additional !== undefined && typeof additional !== 'boolean') inspectShape(additional, `${path}.additionalProperties`, issues);
  for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
    const parts = schema[keyword];
    if (parts === undefined) continue;
    if (!Array.isArray(parts)) issues.push({ path: `${path}.${keyword}`, message: 'expected an array of schemas' });
    else parts.forEach((part, index) => inspectShape(part, `${path}.${keyword}[${index}]`, issues));
  }
}

function asSchema(value: unknown): Schema {
  if (typeof value === 'boolean') return value;
  return isPlainObject(value) ? value : true;
}

function typeList(type: unknown): string[] | undefined {
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type.filter((entry): entry is string => typeof entry === 'string');
  return undefined;
}

function matchesType(type: string, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    default:
      return true; // unknown types are reported by checkSchemaShape
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function joinPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => deepEqual(item, right[index]));
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const leftKeys = Object.keys(left);
    if (leftKeys.length !== Object.keys(right).length) return false;
    return leftKeys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]));
  }
  return false;
}
