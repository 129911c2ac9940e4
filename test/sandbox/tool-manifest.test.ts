import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, NotFoundError } from '../../src/core/errors.ts';
import { checkJsonSchema, formatSchemaIssues } from '../../src/sandbox/json-schema-check.ts';
import { loadTool, parseToolManifest } from '../../src/sandbox/tool-manifest.ts';

const valid = {
  name: 'weather_lookup',
  description: 'Looks up the weather for a city.',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  capabilities: { network: ['api.example.com'] },
};

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.field;
    throw error;
  }
  return undefined;
}

describe('parseToolManifest', () => {
  it('accepts a valid manifest and fills defaults', () => {
    const manifest = parseToolManifest({ name: 'snippet', description: 'x' });
    expect(manifest).toMatchObject({ name: 'snippet', inputSchema: {}, capabilities: { network: [], files: [] } });
    expect(parseToolManifest(valid).capabilities.network).toEqual(['api.example.com']);
  });

  it('names the offending field', () => {
    expect(fieldOf(() => parseToolManifest({ ...valid, name: '9 lives' }))).toBe('name');
    expect(fieldOf(() => parseToolManifest({ ...valid, description: '  ' }))).toBe('description');
    expect(fieldOf(() => parseToolManifest({ ...valid, inputSchema: 'object' }))).toBe('inputSchema');
    expect(fieldOf(() => parseToolManifest({ ...valid, capabilities: { network: ['http://x.com/'] } }))).toBe('capabilities.network.0');
    expect(fieldOf(() => parseToolManifest({ ...valid, capabilities: { files: ['delete'] } }))).toBe('capabilities.files.0');
    expect(fieldOf(() => parseToolManifest({ ...valid, capabilities: { shell: true } }))).toBe('capabilities.shell');
    expect(fieldOf(() => parseToolManifest({ ...valid, inputSchema: { type: 'object', required: 'city' } }))).toBe('inputSchema.required');
    expect(fieldOf(() => parseToolManifest({ ...valid, inputSchema: { properties: { n: { type: 'int' } } } }))).toBe('inputSchema.properties.n.type');
  });

  it('puts the file and the field in the message', () => {
    expect(() => parseToolManifest({ ...valid, name: '' }, 'tools/x/tool.json')).toThrow(/tools\/x\/tool\.json: name:/);
  });
});

describe('loadTool', () => {
  let directory: string | undefined;
  afterEach(() => {
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    directory = undefined;
  });

  function toolDirectory(files: Record<string, string>): string {
    directory = mkdtempSync(path.join(os.tmpdir(), 'lamarck-tool-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(directory, name), content);
    return directory;
  }

  it('loads tool.json and index.js', async () => {
    const tool = await loadTool(toolDirectory({ 'tool.json': JSON.stringify(valid), 'index.js': 'export default () => 1;' }));
    expect(tool.manifest.name).toBe('weather_lookup');
    expect(tool.source).toBe('export default () => 1;');
  });

  it('reports a missing manifest or entry as not found', async () => {
    await expect(loadTool(toolDirectory({ 'index.js': '' }))).rejects.toBeInstanceOf(NotFoundError);
    await expect(loadTool(toolDirectory({ 'tool.json': JSON.stringify(valid) }))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reports invalid JSON as a config error', async () => {
    await expect(loadTool(toolDirectory({ 'tool.json': '{ name: ', 'index.js': '' }))).rejects.toThrow(/tool\.json: \(root\): not valid JSON/);
  });
});

describe('checkJsonSchema', () => {
  const schema = {
    type: 'object',
    properties: {
      count: { type: 'integer', minimum: 1, maximum: 10 },
      mode: { enum: ['fast', 'slow'] },
      name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
      nested: { type: 'object', properties: { flag: { type: 'boolean' } }, additionalProperties: false },
      'odd key': { type: 'number' },
    },
    required: ['count'],
    additionalProperties: false,
  };

  it('accepts a valid value', () => {
    expect(checkJsonSchema(schema, { count: 3, mode: 'fast', name: 'abc', tags: ['a'], nested: { flag: true }, 'odd key': 1.5 })).toEqual([]);
  });

  it('names the path of each problem', () => {
    const message = (value: unknown) => formatSchemaIssues(checkJsonSchema(schema, value));
    expect(message({ count: 'three' })).toBe('input.count: expected integer, got string');
    expect(message({ count: 2.5 })).toBe('input.count: expected integer, got number');
    expect(message({})).toBe('input.count: is required');
    expect(message({ count: 11 })).toBe('input.count: must be <= 10');
    expect(message({ count: 1, mode: 'medium' })).toBe('input.mode: must be one of "fast", "slow"');
    expect(message({ count: 1, name: 'a' })).toBe('input.name: must be at least 2 characters');
    expect(message({ count: 1, name: 'ABC' })).toBe('input.name: must match the pattern ^[a-z]+$');
    expect(message({ count: 1, tags: ['a', 2] })).toBe('input.tags[1]: expected string, got integer');
    expect(message({ count: 1, tags: ['a', 'b', 'c'] })).toBe('input.tags: must have at most 2 items');
    expect(message({ count: 1, nested: { flag: true, extra: 1 } })).toBe('input.nested.extra: is not an allowed property');
    expect(message({ count: 1, 'odd key': 'x' })).toBe('input["odd key"]: expected number, got string');
    expect(message([1])).toBe('input: expected object, got array');
  });

  it('supports anyOf, oneOf, const, type lists and boolean schemas', () => {
    expect(checkJsonSchema({ anyOf: [{ type: 'string' }, { type: 'integer' }] }, true)).toHaveLength(1);
    expect(checkJsonSchema({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 3)).toHaveLength(1);
    expect(checkJsonSchema({ const: 'x' }, 'y')).toEqual([{ path: 'input', message: 'must be "x"' }]);
    expect(checkJsonSchema({ type: ['string', 'null'] }, null)).toEqual([]);
    expect(checkJsonSchema(false, 1)).toHaveLength(1);
    expect(checkJsonSchema({}, { anything: [1, 2] })).toEqual([]);
  });
});
