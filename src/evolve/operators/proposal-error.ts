import { ModelOutputError } from '../../core/errors.ts';
import type { ModelUsage } from '../../model/types.ts';

/**
 * A model reply that could not be turned into a child (a SEARCH that does not match, an edit
 * outside the blocks, a wrong number of code blocks). It keeps what the call cost and what was
 * said, so the engine can record the attempt and feed `message` back as `previousFailure`.
 */
export class ProposalRejectedError extends ModelOutputError {
  readonly operator: string;
  readonly model: string;
  readonly prompt: string;
  readonly reply: string;
  readonly usage: ModelUsage;

  constructor(options: { cause: ModelOutputError; operator: string; model: string; prompt: string; reply: string; usage: ModelUsage }) {
    super(options.cause.message, { cause: options.cause, text: options.reply, code: options.cause.code });
    this.operator = options.operator;
    this.model = options.model;
    this.prompt = options.prompt;
    this.reply = options.reply;
    this.usage = options.usage;
  }
}
