import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonSchemaToGrammarSchema } from '../../../src/model/local/json-schema-to-grammar-schema.ts';

describe('jsonSchemaToGrammarSchema', () => {
  it('keeps what the grammar can enforce and names what it drops', () => {
    const schema = z.toJSONSchema(
      z.object({
        kind: z.enum(['a', 'b']),
        note: z.string().min(1).max(20).optional(),
        score: z.number().min(0).max(1),
        when: z.iso.datetime(),
        items: z.array(z.union([z.string().regex(/^x/), z.null()])).max(3),
      }),
    );
    const { schema: converted, dropped } = jsonSchemaToGrammarSchema(schema as never);
    expect(converted).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        kind: { enum: ['a', 'b'] },
        note: { type: 'string', minLength: 1, maxLength: 20 },
        score: { type: 'number' },
        when: { type: 'string', format: 'date-time' },
        items: { type: 'array', maxItems: 3, items: { oneOf: [{ type: 'string' }, { type: 'null' }] } },
      },
    });
    expect(dropped).toEqual(['maximum', 'minimum', 'pattern']);
  });

  it('rewrites definitions references to $defs and type lists to alternatives', () => {
    const { schema, dropped } = jsonSchemaToGrammarSchema({
      definitions: { leaf: { type: ['string', 'integer'] } },
      type: 'object',
      properties: { leaf: { $ref: '#/definitions/leaf' }, extra: {} },
    });
    expect(schema).toMatchObject({
      properties: { leaf: { $ref: '#/$defs/leaf' } },
      $defs: { leaf: { oneOf: [{ type: 'string' }, { type: 'integer' }] } },
    });
    // An empty schema means any JSON value, which the grammar must still allow.
    expect(JSON.stringify((schema as unknown as { properties: { extra: unknown } }).properties.extra)).toContain('"array"');
    expect(dropped).toEqual([]);
  });
});
