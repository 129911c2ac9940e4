import type { JSONSchema7, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { ModelOutputError } from '../../core/errors.ts';
import { definedOnly } from '../../core/defined-only.ts';
import { buildPrompt } from '../prompt.ts';
import { isStrictCompatible, parseStructuredReply, repairInstruction, schemaInstruction, toJsonSchema } from '../structured-output.ts';
import type { GenerateObjectRequest, GenerateObjectResult } from '../types.ts';
import type { CallShape, ClientContext } from './client-context.ts';
import { generateRaw } from './generate-raw.ts';
import { addUsage } from './provider-content.ts';

/**
 * Structured output: the schema goes to the provider (or into the prompt when the provider cannot
 * enforce one); a reply that does not fit is shown back to the model once with what was wrong.
 */
export async function generateObject<T>(context: ClientContext, request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>> {
  const { name } = context;
  const jsonSchema = toJsonSchema(request.schema);
  const extraSystem = context.options.nativeStructuredOutput === true ? [] : [schemaInstruction(jsonSchema, request.schemaName, request.schemaDescription)];
  const shape: CallShape = {
    // The provider's option types do not take `undefined`, so an unset name or description is left out.
    responseFormat: { type: 'json', schema: jsonSchema as JSONSchema7, ...definedOnly({ name: request.schemaName, description: request.schemaDescription }) },
    // OpenAI defaults to strict schemas, which reject optional fields; other providers ignore this.
    providerOptions: { openai: { strictJsonSchema: isStrictCompatible(jsonSchema) } },
  };
  const prompt = buildPrompt(request, { nativeTools: context.nativeTools, extraSystem });
  const first = await generateRaw(context, request, prompt, shape);
  const parsed = parseStructuredReply(first.text, request.schema);
  if (parsed.ok) {
    return { object: parsed.value, text: first.text, usage: first.usage, model: name, latencyMs: first.latencyMs, repaired: false };
  }
  // One repair: show the model its reply and what was wrong with it, then ask again.
  const repairPrompt: LanguageModelV4Prompt = [
    ...prompt,
    { role: 'assistant', content: [{ type: 'text', text: first.text }] },
    { role: 'user', content: [{ type: 'text', text: repairInstruction(parsed.error) }] },
  ];
  const second = await generateRaw(context, request, repairPrompt, shape);
  const usage = addUsage(first.usage, second.usage);
  const reparsed = parseStructuredReply(second.text, request.schema);
  if (reparsed.ok) {
    return { object: reparsed.value, text: second.text, usage, model: name, latencyMs: first.latencyMs + second.latencyMs, repaired: true };
  }
  throw new ModelOutputError(`${name} returned invalid structured output twice: ${reparsed.error}`, {
    text: second.text,
    code: 'model-output-invalid',
  });
}
