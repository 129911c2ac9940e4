import { UsageError } from '../../core/errors.ts';
import { ReplyTooLargeError } from '../../model/size-limits.ts';
import type { FinishReason, ModelUsage } from '../../model/types.ts';
import type { BuiltPrompt } from '../prompt/build-prompt.ts';
import type { OperatorContext } from '../types.ts';
import { ProposalRejectedError } from './proposal-error.ts';
import { definedOnly } from '../../core/defined-only.ts';

export interface ModelAnswer {
  text: string;
  model: string;
  usage: ModelUsage;
  /** `length`: the reply was cut off at the output token limit and must not be applied. */
  finishReason: FinishReason;
  /** System and user prompt together, as recorded with the proposal. */
  promptRecord: string;
}

/** One `mutate` call through the context's model, with its meter and abort signal. */
export async function askModel(operator: string, context: OperatorContext, built: BuiltPrompt, temperature?: number): Promise<ModelAnswer> {
  const model = context.model;
  if (model === undefined) throw new UsageError(`operator ${operator} needs a model, and none is configured`, { operator });
  const request = {
    system: built.system,
    prompt: built.prompt,
    purpose: 'mutate',
    ...definedOnly({ meter: context.meter, signal: context.signal, temperature }),
  };
  const result = await model.generateText(request).catch((error: unknown) => {
    // An oversized reply was paid for: the attempt keeps its cost, and the start of the reply as evidence.
    if (error instanceof ReplyTooLargeError) {
      throw new ProposalRejectedError({ cause: error, operator, model: error.model, prompt: recordPrompt(built), reply: error.message, usage: error.usage });
    }
    throw error;
  });
  return { text: result.text, model: result.model, usage: result.usage, finishReason: result.finishReason, promptRecord: recordPrompt(built) };
}

export function recordPrompt(built: BuiltPrompt): string {
  return `[system]\n${built.system}\n[user]\n${built.prompt}`;
}
