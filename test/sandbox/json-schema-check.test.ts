import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { checkJsonSchema, checkSchemaShape, formatSchemaIssues } from '../../src/sandbox/json-schema-check.ts';
import { parseToolManifest } from '../../src/sandbox/tool-manifest.ts';
import { inlineTool, ordinaryLimits, runInline } from './tool-fixtures.ts';
import { runTool } from '../../src/sandbox/run-tool.ts';

/**
 * Full JSON Schema (draft 2020-12) for tool inputs, tool outputs and model-written schemas. Each
 * keyword below was silently ignored by the hand-written checker this replaced, so each of these
 * values used to pass.
 */
const problems = (schema: unknown, value: unknown): string => formatSchemaIssues(checkJsonSchema(schema, value));

describe('checkJsonSchema keywords', () => {
  it('follows $ref into $defs', () => {
    const schema = { $defs: { positive: { type: 'number', exclusiveMinimum: 0 } }, type: 'array', items: { $ref: '#/$defs/positive' } };
    expect(problems(schema, [1, 2])).toBe('');
    expect(problems(schema, [1, -2])).toBe('input[1]: must be > 0');
  });

  it('follows a recursive $ref to the root', () => {
    const tree = { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } }, required: ['name'] };
    expect(problems(tree, { name: 'a', children: [{ name: 'b', children: [] }] })).toBe('');
    expect(problems(tree, { name: 'a', children: [{ name: 'b', children: [{ name: 3 }] }] })).toBe('input.children[0].children[0].name: expected string, got integer');
  });

  it('applies not, if/then/else', () => {
    expect(problems({ not: { type: 'string' } }, 'text')).toBe('input: must not match the schema under "not"');
    expect(problems({ not: { type: 'string' } }, 3)).toBe('');
    const conditional = { if: { properties: { kind: { const: 'file' } } }, then: { required: ['path'] }, else: { required: ['url'] } };
    expect(problems(conditional, { kind: 'file' })).toContain('input.path: is required');
    expect(problems(conditional, { kind: 'link' })).toContain('input.url: is required');
    expect(problems(conditional, { kind: 'file', path: 'a.txt' })).toBe('');
  });

  it('checks tuples with prefixItems, and uniqueItems', () => {
    const pair = { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false };
    expect(problems(pair, ['a', 1])).toBe('');
    expect(problems(pair, ['a', 'b'])).toBe('input[1]: expected number, got string');
    expect(problems(pair, ['a', 1, true])).not.toBe('');
    expect(problems({ type: 'array', uniqueItems: true }, [1, 2, 1])).toBe('input: must not repeat items (items 0 and 2 are equal)');
    expect(problems({ type: 'array', uniqueItems: true }, [{ a: 1 }, { a: 2 }])).toBe('');
  });

  it('checks patternProperties, multipleOf and format', () => {
    const counters = { type: 'object', patternProperties: { '^n_': { type: 'integer' } }, additionalProperties: false };
    expect(problems(counters, { n_apples: 3 })).toBe('');
    expect(problems(counters, { n_apples: 'three' })).toBe('input.n_apples: expected integer, got string');
    expect(problems(counters, { apples: 3 })).toBe('input.apples: is not an allowed property');
    expect(problems({ multipleOf: 0.5 }, 1.5)).toBe('');
    expect(problems({ multipleOf: 3 }, 7)).toBe('input: must be multiple of 3');
    expect(problems({ format: 'email' }, 'someone@example.com')).toBe('');
    expect(problems({ format: 'email' }, 'not an address')).toBe('input: must match format "email"');
    expect(problems({ format: 'date-time' }, '2025-01-31T12:00:00Z')).toBe('');
    expect(problems({ format: 'uri' }, 'no scheme')).toBe('input: must match format "uri"');
    // A format Lamarck does not know is an annotation, as the specification says.
    expect(problems({ format: 'colour' }, 'teal')).toBe('');
  });

  it('reads a schema by the draft its $schema names', () => {
    const tuple = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'string' }], additionalItems: false };
    expect(problems(tuple, ['a'])).toBe('');
    expect(problems(tuple, ['a', 'b'])).not.toBe('');
    expect(problems({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' }, 1)).toBe('input: expected string, got integer');
  });

  it('lets two schemas use the same $id', () => {
    expect(problems({ $id: 'https://example.com/thing', type: 'string' }, 'x')).toBe('');
    expect(problems({ $id: 'https://example.com/thing', type: 'number' }, 'x')).toBe('input: expected number, got string');
  });
});

describe('invalid schemas', () => {
  it('lists what is wrong with a schema, by its path in the schema', () => {
    expect(checkSchemaShape({ type: 'object', properties: { n: { type: 'int' } } })).toEqual([
      { path: 'inputSchema.properties.n.type', message: expect.stringContaining('must be one of "array", "boolean"') },
    ]);
    expect(checkSchemaShape({ required: 'city' })).toEqual([{ path: 'inputSchema.required', message: 'expected array, got string' }]);
    expect(checkSchemaShape({ minimum: 'one' })).toEqual([{ path: 'inputSchema.minimum', message: 'expected number, got string' }]);
    expect(checkSchemaShape('object')).toEqual([{ path: 'inputSchema', message: expect.stringContaining('expected a JSON Schema object') }]);
    expect(checkSchemaShape({ $ref: '#/$defs/missing' })).toEqual([{ path: 'inputSchema', message: expect.stringContaining("can't resolve reference #/$defs/missing") }]);
    expect(checkSchemaShape({ $ref: 'https://example.com/schema.json' })).toEqual([{ path: 'inputSchema', message: expect.stringContaining("can't resolve reference") }]);
    expect(checkSchemaShape({ type: 'string', pattern: '(' })).toEqual([{ path: 'inputSchema', message: expect.stringContaining('Invalid regular expression') }]);
    expect(checkSchemaShape({ $schema: 'http://json-schema.org/draft-04/schema#' })).toEqual([{ path: 'inputSchema.$schema', message: expect.stringContaining('not a dialect') }]);
    expect(checkSchemaShape({ type: 'object', properties: { a: { $ref: '#' } } })).toEqual([]);
  });

  it('refuses to check a value against an invalid schema with a ConfigError naming the field', () => {
    expect(() => checkJsonSchema({ type: 'int' }, 1, 'input', 'inputSchema')).toThrow(ConfigError);
    expect(() => checkJsonSchema({ type: 'int' }, 1, 'input', 'inputSchema')).toThrow(/inputSchema\.type: must be one of/);
  });

  it('names the bad keyword of a model-written tool manifest', () => {
    const manifest = (inputSchema: unknown) => () => parseToolManifest({ name: 'proposed', description: 'a proposed tool', inputSchema });
    expect(manifest({ type: 'object', properties: { q: { type: 'text' } } })).toThrow(/inputSchema\.properties\.q\.type/);
    expect(manifest({ type: 'object', properties: { q: { $ref: '#/$defs/query' } } })).toThrow(/inputSchema: can't resolve reference/);
    expect(() => parseToolManifest({ name: 'proposed', description: 'x', outputSchema: { type: 'list' } })).toThrow(/outputSchema\.type/);
  });
});

describe('tool inputs and outputs', () => {
  it('checks a tool input by the full schema before the tool runs', async () => {
    const tool = `export default async (input) => input.tags.length;`;
    const schema = { type: 'object', properties: { tags: { type: 'array', uniqueItems: true, items: { type: 'string', format: 'email' } } }, required: ['tags'] };
    expect(await runInline(tool, { tags: ['a@example.com'] }, ordinaryLimits, { inputSchema: schema })).toMatchObject({ ok: true, output: 1 });
    expect(await runInline(tool, { tags: ['a@example.com', 'a@example.com'] }, ordinaryLimits, { inputSchema: schema })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: 'input.tags: must not repeat items (items 0 and 1 are equal)' },
    });
  });

  it('checks a tool result against its outputSchema', async () => {
    const outputSchema = { type: 'object', properties: { total: { type: 'integer', minimum: 0 } }, required: ['total'], additionalProperties: false };
    expect(await runInline(`export default async () => ({ total: 3 });`, null, ordinaryLimits, { outputSchema })).toMatchObject({ ok: true, output: { total: 3 } });
    const wrong = await runInline(`export default async () => { console.log('computing'); return { total: -1, extra: true }; };`, null, ordinaryLimits, { outputSchema });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid-output', message: expect.stringContaining('output.total: must be >= 0') }, logs: ['computing'] });
    expect(formatSchemaIssues([])).toBe('');
  });

  it('reports a stored manifest whose schema does not compile as an invalid manifest, not a crash', async () => {
    // Stored and proposed tools are not parsed by parseToolManifest before they run.
    const tool = inlineTool('export default async () => 1;');
    const broken = { ...tool, manifest: { ...tool.manifest, inputSchema: { type: 'object', properties: { q: { $ref: '#/$defs/nowhere' } } } } };
    expect(await runTool(broken, {}, ordinaryLimits)).toMatchObject({ ok: false, error: { code: 'tool-invalid-manifest', message: expect.stringContaining("can't resolve reference") } });
  });
});
