import type { LanguageModelV4CallOptions, LanguageModelV4Usage } from '@ai-sdk/provider';
import { LamarckError } from '../../core/errors.ts';
import { toModelCallError } from '../call-errors.ts';
import { callWithTimeout } from '../call-timeout.ts';
import { buildPrompt } from '../prompt.ts';
import { withRetries } from '../retry.ts';
import { assertPromptWithinLimit, ReplyTooLargeError } from '../size-limits.ts';
import type { TextQueue } from '../text-queue.ts';
import type { FinishReason, GenerateTextRequest, GenerateTextResult, ToolCall } from '../types.ts';
import { reserveCall } from '../usage-meter.ts';
import { assertReplyWithinLimit, callOptionsFor, meterFor, retryContext, timeoutFor, usageOf, type ClientContext } from './client-context.ts';
import { mapFinishReason, toToolCall } from './provider-content.ts';
import { finishText, toolShape } from './tool-replies.ts';

/**
 * A streamed call: text deltas go to `queue` as they arrive; retries stop once any text has reached
 * the reader. Streams keep the plain text fallback for tools: a constrained reply would stream its
 * JSON wrapper to the reader.
 */
export async function streamInto(context: ClientContext, queue: TextQueue, request: GenerateTextRequest): Promise<GenerateTextResult> {
  const { name } = context;
  let release = (): void => undefined;
  try {
    const meter = meterFor(context, request);
    const prompt = buildPrompt(request, { nativeTools: context.nativeTools });
    assertPromptWithinLimit(prompt, context.maxPromptChars, name);
    release = reserveCall(meter, name);
    const callOptions = callOptionsFor(request, prompt, toolShape(context, request));
    const timeoutMs = timeoutFor(context, request);
    const started = performance.now();
    let emitted = false;
    const { value, attempts } = await withRetries(
      async () => {
        try {
          return await readStream(context, callOptions, timeoutMs, request.signal, (delta) => {
            emitted = true;
            queue.push(delta);
          });
        } catch (error) {
          throw finalAfterText(toModelCallError(error, name, context.clock.now()), emitted);
        }
      },
      (error) => toModelCallError(error, name, context.clock.now()),
      retryContext(context, request.signal),
    );
    const usage = usageOf(context, value.usage);
    meter?.record(name, usage, request.purpose);
    assertReplyWithinLimit(context, value.text, value.toolCalls, usage);
    const finished = finishText(context, request, { text: value.text, nativeToolCalls: value.toolCalls, finishReason: value.finishReason, usage });
    queue.end();
    return { ...finished, usage, model: name, latencyMs: Math.round(performance.now() - started), attempts };
  } catch (error) {
    queue.fail(error);
    throw error;
  } finally {
    release();
  }
}

/** Once text reached the caller a retry would repeat it, so a retryable failure becomes final. */
function finalAfterText(classified: LamarckError, emitted: boolean): LamarckError {
  if (!emitted || !classified.isRetryable) return classified;
  return new LamarckError({
    code: classified.code,
    message: `${classified.message} (after part of the reply was streamed)`,
    fault: classified.fault,
    cause: classified,
  });
}

interface StreamedReply {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: LanguageModelV4Usage | undefined;
}

async function readStream(
  context: ClientContext,
  callOptions: LanguageModelV4CallOptions,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onText: (delta: string) => void,
): Promise<StreamedReply> {
  const { model, name, maxReplyChars } = context;
  // The timeout bounds the wait for each part (idle time), not the whole reply, which may be long.
  return callWithTimeout(
    async (abortSignal, touch) => {
      const { stream } = await model.doStream({ ...callOptions, abortSignal });
      const reply: StreamedReply = { text: '', toolCalls: [], finishReason: 'other', usage: undefined };
      const reader = stream.getReader();
      try {
        for (;;) {
          const { done, value: part } = await reader.read();
          if (done) break;
          // A provider stream that ignores the abort is not read further once the call is over.
          if (abortSignal.aborted) {
            await reader.cancel(abortSignal.reason).catch(() => undefined);
            throw abortSignal.reason;
          }
          touch();
          switch (part.type) {
            case 'text-delta':
              reply.text += part.delta;
              // Stop reading a runaway reply at its cap instead of buffering all of it.
              if (reply.text.length > maxReplyChars) {
                await reader.cancel().catch(() => undefined);
                throw new ReplyTooLargeError({ model: name, chars: reply.text.length, limit: maxReplyChars, text: reply.text, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } });
              }
              if (part.delta !== '') onText(part.delta);
              break;
            case 'tool-call':
              reply.toolCalls.push(toToolCall(part.toolCallId, part.toolName, part.input));
              break;
            case 'finish':
              reply.finishReason = mapFinishReason(part.finishReason);
              reply.usage = part.usage;
              break;
            case 'error':
              throw part.error;
            default:
              break;
          }
        }
      } finally {
        reader.releaseLock();
      }
      return reply;
    },
    { timeoutMs, what: `${name} stream`, signal },
  );
}
