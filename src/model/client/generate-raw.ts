import type { LanguageModelV4, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { toModelCallError } from '../call-errors.ts';
import { callWithTimeout } from '../call-timeout.ts';
import { withRetries } from '../retry.ts';
import { assertPromptWithinLimit } from '../size-limits.ts';
import { reserveCall } from '../usage-meter.ts';
import type { FinishReason, GenerateTextRequest, ModelUsage, ToolCall } from '../types.ts';
import { assertReplyWithinLimit, callOptionsFor, meterFor, retryContext, timeoutFor, usageOf, type CallShape, type ClientContext } from './client-context.ts';
import { mapFinishReason, textOf, toolCallsOf } from './provider-content.ts';

/** A provider reply before tool calls are read out of its text (tool-replies.ts) or its JSON is checked. */
export interface RawReply {
  text: string;
  nativeToolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: ModelUsage;
  latencyMs: number;
  attempts: number;
}

/**
 * One accounted call, the building block of generateText and generateObject: the prompt's size
 * cap, a budget reservation, the timeout and our retries, then usage and cost recorded and the
 * reply's size cap.
 */
export async function generateRaw(context: ClientContext, request: GenerateTextRequest, prompt: LanguageModelV4Prompt, shape: CallShape): Promise<RawReply> {
  const { model, name } = context;
  assertPromptWithinLimit(prompt, context.maxPromptChars, name);
  const meter = meterFor(context, request);
  const release = reserveCall(meter, name);
  const timeoutMs = timeoutFor(context, request);
  const started = performance.now();
  let value: Awaited<ReturnType<LanguageModelV4['doGenerate']>>;
  let attempts: number;
  let usage: ModelUsage;
  try {
    ({ value, attempts } = await withRetries(
      () =>
        callWithTimeout((abortSignal) => Promise.resolve(model.doGenerate({ ...callOptionsFor(request, prompt, shape), abortSignal })), {
          timeoutMs,
          what: `${name} call`,
          signal: request.signal,
        }),
      (error) => toModelCallError(error, name, context.clock.now()),
      retryContext(context, request.signal),
    ));
    usage = usageOf(context, value.usage);
    meter?.record(name, usage, request.purpose);
  } finally {
    release();
  }
  const text = value.structuredOutputText ?? textOf(value.content);
  const nativeToolCalls = toolCallsOf(value.content);
  assertReplyWithinLimit(context, text, nativeToolCalls, usage);
  return {
    text,
    nativeToolCalls,
    finishReason: mapFinishReason(value.finishReason),
    usage,
    latencyMs: Math.round(performance.now() - started),
    attempts,
  };
}
