import { UsageError } from '../../core/errors.ts';
import type { ModelUsage } from '../../model/types.ts';
import type { BuiltPrompt } from '../prompt/build-prompt.ts';
import type { OperatorContext } from '../types.ts';

export interface ModelAnswer {
  text: string;
  model: string;
  usage: ModelUsage;
  /** System and user prompt together, as recorded with the proposal. */
  promptRecord: string;
}

/** One `mutate` call through the context's model, with its meter and abort signal. */
export async function askModel(operator: string, context: OperatorContext, built: BuiltPrompt, temperature?: number): Promise<ModelAnswer> {
  const model = context.model;
  if (model === undefined) throw new UsageError(`operator ${operator} needs a model, and none is configured`, { operator });
  const result = await model.generateText({
    system: built.system,
    prompt: built.prompt,
    purpose: 'mutate',
    ...(context.meter === undefined ? {} : { meter: context.meter }),
    ...(context.signal === undefined ? {} : { signal: context.signal }),
    ...(temperature === undefined ? {} : { temperature }),
  });
  return { text: result.text, model: result.model, usage: result.usage, promptRecord: recordPrompt(built) };
}

export function recordPrompt(built: BuiltPrompt): string {
  return `[system]\n${built.system}\n[user]\n${built.prompt}`;
}
