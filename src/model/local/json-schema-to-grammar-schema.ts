import type { JSONSchema7, JSONSchema7Definition } from '@ai-sdk/provider';
import type { GbnfJsonSchema } from 'node-llama-cpp';
import { definedOnly, mapDefined } from '../../core/defined-only.ts';

/**
 * Rewrites a JSON Schema (draft 7, as zod and the AI SDK produce it) into the subset that
 * node-llama-cpp turns into a sampling grammar. Anything the grammar cannot express is dropped
 * and named in `dropped`: the output is then still well-formed JSON of the right shape, and the
 * caller's own validation catches the rest (a `pattern`, a numeric `minimum`).
 */
export function jsonSchemaToGrammarSchema(schema: JSONSchema7): { schema: GbnfJsonSchema; dropped: string[] } {
  const dropped = new Set<string>();
  const definitions = { ...(schema.definitions ?? {}), ...(schema.$defs ?? {}) };
  const $defs: Record<string, GbnfJsonSchema> = {};
  for (const [name, definition] of Object.entries(definitions)) $defs[name] = convert(definition, dropped);
  const root = convert(schema, dropped) as Record<string, unknown>;
  const converted = (Object.keys($defs).length > 0 ? { ...root, $defs } : root) as GbnfJsonSchema;
  return { schema: converted, dropped: [...dropped].sort() };
}

// Keywords that only annotate, so leaving them out loses nothing the grammar could enforce.
const annotations = new Set([
  '$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'readOnly', 'writeOnly',
  'definitions', '$defs', 'required', 'type', 'properties', 'additionalProperties', 'items', 'enum', 'const',
  'anyOf', 'oneOf', 'allOf', '$ref', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties',
  'maxProperties', 'format',
]);

const anyJson: GbnfJsonSchema = { type: ['string', 'number', 'boolean', 'null'] };

function convert(definition: JSONSchema7Definition, dropped: Set<string>): GbnfJsonSchema {
  // `true` accepts anything; `false` accepts nothing, which no grammar can sample, so treat it as anything.
  if (typeof definition === 'boolean') return anyValue();
  for (const key of Object.keys(definition)) if (!annotations.has(key)) dropped.add(key);
  const description = definition.description === undefined ? {} : { description: definition.description };

  if (definition.$ref !== undefined) {
    const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(definition.$ref)?.[1];
    if (name !== undefined) return { $ref: `#/$defs/${name}`, ...description } as GbnfJsonSchema;
    dropped.add('$ref');
    return anyValue();
  }
  if (definition.const !== undefined) {
    if (isLiteral(definition.const)) return { const: definition.const, ...description };
    dropped.add('const');
  }
  if (definition.enum !== undefined) {
    const literals = definition.enum.filter(isLiteral);
    if (literals.length === definition.enum.length && literals.length > 0) return { enum: literals, ...description };
    dropped.add('enum');
  }
  const alternatives = definition.anyOf ?? definition.oneOf;
  if (alternatives !== undefined && alternatives.length > 0) {
    return { oneOf: alternatives.map((alternative) => convert(alternative, dropped)), ...description };
  }
  if (definition.allOf !== undefined) {
    // Only the single-member form (common for a described $ref) can be expressed.
    if (definition.allOf.length === 1) return convert(definition.allOf[0]!, dropped);
    dropped.add('allOf');
  }

  const types = definition.type === undefined ? inferTypes(definition) : [definition.type].flat();
  if (types.length === 0) return anyValue();
  const variants = types.map((type) => convertTyped(type, definition, dropped));
  return variants.length === 1 ? { ...variants[0]!, ...description } : { oneOf: variants, ...description };
}

function convertTyped(type: string, definition: JSONSchema7, dropped: Set<string>): GbnfJsonSchema {
  switch (type) {
    case 'string': {
      const format = definition.format;
      if (format === 'date-time' || format === 'time' || format === 'date') return { type: 'string', format };
      if (format !== undefined) dropped.add(`format:${format}`);
      return {
        type: 'string',
        ...definedOnly({ minLength: definition.minLength, maxLength: definition.maxLength }),
      };
    }
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type };
    case 'array': {
      const items = definition.items;
      if (Array.isArray(items)) {
        return {
          type: 'array',
          prefixItems: items.map((item) => convert(item, dropped)),
          ...(definition.additionalItems === undefined || definition.additionalItems === false
            ? { maxItems: items.length }
            : {}),
          ...definedOnly({ minItems: definition.minItems }),
        };
      }
      return {
        type: 'array',
        ...definedOnly({ items: mapDefined(items, (schema) => convert(schema, dropped)), minItems: definition.minItems, maxItems: definition.maxItems }),
      };
    }
    case 'object': {
      const properties: Record<string, GbnfJsonSchema> = {};
      for (const [name, property] of Object.entries(definition.properties ?? {})) {
        properties[name] = convert(property, dropped);
      }
      const hasProperties = Object.keys(properties).length > 0;
      const additional = definition.additionalProperties;
      // JSON Schema allows extra keys unless told otherwise; node-llama-cpp's default is the opposite.
      // With named properties, generating only those is valid either way and keeps the output short.
      const additionalProperties =
        additional === undefined ? !hasProperties : typeof additional === 'boolean' ? additional : convert(additional, dropped);
      return {
        type: 'object',
        ...(hasProperties ? { properties } : {}),
        additionalProperties,
        ...definedOnly({ minProperties: definition.minProperties, maxProperties: definition.maxProperties }),
      };
    }
    default:
      dropped.add(`type:${type}`);
      return anyValue();
  }
}

/** A schema without `type` but with shape keywords (`properties`, `items`) implies its type. */
function inferTypes(definition: JSONSchema7): string[] {
  if (definition.properties !== undefined || definition.additionalProperties !== undefined) return ['object'];
  if (definition.items !== undefined) return ['array'];
  if (definition.minLength !== undefined || definition.maxLength !== undefined) return ['string'];
  return [];
}

function anyValue(): GbnfJsonSchema {
  return { oneOf: [anyJson, { type: 'array' }, { type: 'object', additionalProperties: true }] };
}

function isLiteral(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
