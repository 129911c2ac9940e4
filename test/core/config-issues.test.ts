import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssue, parseOrThrow } from '../../src/core/config-issues.ts';
import { ConfigError } from '../../src/core/errors.ts';

const schema = z.strictObject({
  name: z.string(),
  limits: z.strictObject({ steps: z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' }).optional() }).optional(),
  items: z.array(z.strictObject({ size: z.number() })).default([]),
});

function messageOf(input: unknown, prefix?: string[]): string {
  try {
    parseOrThrow(schema, input, { source: 'file.json', ...(prefix === undefined ? {} : { prefix }) });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('one translation from schema complaints to ConfigErrors', () => {
  it('says "required" for a missing field, whatever message the schema gives a wrong one', () => {
    expect(messageOf({})).toBe('file.json: name: required');
    expect(messageOf({ name: 'x', items: [{}] })).toBe('file.json: items.0.size: required');
  });

  it('says "unknown key", names the key with its path and lists the allowed ones', () => {
    expect(messageOf({ name: 'x', limits: { stepz: 3 } })).toBe('file.json: limits.stepz: unknown key (allowed: steps)');
    expect(messageOf({ name: 'x', nmae: 'y' })).toBe('file.json: nmae: unknown key (allowed: name, limits, items)');
  });

  it('shows an unknown key that is the empty string as "", so the field is never blank', () => {
    expect(messageOf({ name: 'x', '': 1 })).toBe('file.json: "": unknown key (allowed: name, limits, items)');
    expect(messageOf({ name: 'x', limits: { '': 1 } })).toBe('file.json: limits."": unknown key (allowed: steps)');
  });

  it('keeps the schema\'s own words and quotes the wrong value', () => {
    expect(messageOf({ name: 'x', limits: { steps: -2 } })).toBe('file.json: limits.steps: expected a positive integer, got -2');
  });

  it('replaces zod\'s generic wording with what was expected and what was found', () => {
    expect(messageOf({ name: 3 })).toBe('file.json: name: expected string, got 3');
    expect(messageOf({ name: 'x', limits: [] })).toBe('file.json: limits: expected object, got an array');
  });

  it('prefixes the section a schema checks', () => {
    expect(messageOf({ name: 'x', extra: 1 }, ['evolve'])).toBe('file.json: evolve.extra: unknown key (allowed: name, limits, items)');
  });

  it('reports the branch of a union the value meant', () => {
    const union = z.union([z.string(), z.strictObject({ spec: z.string(), weight: z.number().positive() })]);
    const parsed = union.safeParse({ spec: 'a', weight: -1 });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeIssue(parsed.error.issues, { input: { spec: 'a', weight: -1 } }).field).toBe('weight');
  });
});
