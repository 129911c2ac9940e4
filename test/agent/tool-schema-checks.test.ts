import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/run-agent.ts';
import { mcpSchemaValidator, toolInputProblem } from '../../src/agent/tool-schema-checks.ts';
import { createScriptedModel } from '../../src/testing/index.ts';
import { customTool } from './helpers.ts';

/** Tool inputs of every kind of tool, and MCP structured results, are checked by the one JSON Schema validator. */
describe('tool input checks in the agent', () => {
  it('returns invalid input to the model and never runs the tool with it', async () => {
    const lookup = customTool('lookup', 'Look up an id', (input) => JSON.stringify(input), {
      id: { type: 'string', pattern: '^[a-z]+-[0-9]+$' },
      limit: { type: 'integer', multipleOf: 10 },
    });
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'lookup', input: { id: 'Order 7', limit: 15 } }] },
        (request) => {
          const last = request.messages.at(-1)!.text;
          expect(last).toContain('invalid-input: input.id: must match the pattern ^[a-z]+-[0-9]+$; input.limit: must be multiple of 10');
          return { toolCalls: [{ name: 'lookup', input: { id: 'order-7', limit: 20 } }] };
        },
        'done',
      ],
    });
    const result = await runAgent({ task: 'look it up', model, tools: [lookup], builtinTools: false }).result;
    model.verify();
    expect(result.answer).toBe('done');
    expect(lookup.calls).toEqual([{ id: 'order-7', limit: 20 }]);
  });

  it('leaves a schema it cannot compile to the tool', () => {
    expect(toolInputProblem({ type: 'object', properties: { a: { $ref: '#/$defs/elsewhere' } } }, { a: 1 })).toBeUndefined();
    expect(toolInputProblem({ type: 'object', required: ['a'] }, {})).toBe('invalid-input: input.a: is required');
  });
});

describe('the MCP client validator', () => {
  it('checks structured results with the same validator and reports a broken schema plainly', () => {
    const validate = mcpSchemaValidator.getValidator<{ total: number }>({ type: 'object', properties: { total: { type: 'integer' } }, required: ['total'] });
    expect(validate({ total: 3 })).toEqual({ valid: true, data: { total: 3 }, errorMessage: undefined });
    expect(validate({ total: 'three' })).toEqual({ valid: false, data: undefined, errorMessage: 'structuredContent.total: expected integer, got string' });
    const broken = mcpSchemaValidator.getValidator({ type: 'object', properties: { total: { type: 'count' } } });
    expect(broken({ total: 1 })).toMatchObject({ valid: false, errorMessage: expect.stringContaining("the server's schema is invalid: outputSchema.properties.total.type") });
  });
});
