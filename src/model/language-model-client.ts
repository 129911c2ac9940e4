import type {
  JSONSchema7,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
  LanguageModelV4Prompt,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { systemClock, type Clock } from '../core/clock.ts';
import { defaultModelLimits, defaultRetryConfig, defaultTimeoutMs } from './model-settings.ts';
import { LamarckError, ModelOutputError } from '../core/errors.ts';
import { tryParseJson, type JsonValue } from '../core/json.ts';
import { toModelCallError } from './call-errors.ts';
import { callWithTimeout } from './call-timeout.ts';
import { costOf } from './pricing.ts';
import { buildPrompt } from './prompt.ts';
import { withRetries, type RetryPolicy } from './retry.ts';
import { isStrictCompatible, parseStructuredReply, repairInstruction, schemaInstruction, toJsonSchema } from './structured-output.ts';
import { TextQueue } from './text-queue.ts';
import { reserveCall } from './usage-meter.ts';
import { assertPromptWithinLimit, replyChars, ReplyTooLargeError } from './size-limits.ts';
import { parseToolCallFromText, parseToolReply, toolReplySchema } from './tool-fallback.ts';
import {
  modelSpecificationVersion,
  type FinishReason,
  type GenerateObjectRequest,
  type GenerateObjectResult,
  type GenerateTextRequest,
  type GenerateTextResult,
  type LanguageModelClient,
  type ModelPricing,
  type ModelUsage,
  type ProviderName,
  type StreamTextResult,
  type ToolCall,
  type UsageMeter,
} from './types.ts';

/**
 * The one wrapper every model goes through, real provider or scripted double: it builds the
 * provider prompt, applies the timeout and our retry policy, accounts tokens and cost, enforces the
 * run's budget, falls back to JSON-in-text tool calls, and repairs structured output once.
 */
export interface LanguageModelClientOptions {
  /** Canonical spec string, e.g. `openai:gpt-5-mini`. */
  spec: string;
  provider: ProviderName;
  modelId: string;
  nativeTools?: boolean;
  /** Whether the provider enforces a JSON schema itself; otherwise the schema goes in the prompt. */
  nativeStructuredOutput?: boolean;
  /**
   * Whether the provider samples JSON under a grammar that enforces any schema (local models). Text
   * tool calls are then constrained to well-formed replies; remote providers keep the plain fallback.
   */
  grammarConstrainedJson?: boolean | undefined;
  /** Undefined: the price is unknown and calls are counted at no cost. */
  pricing?: ModelPricing | undefined;
  retries?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /** Caps in characters (defaults: `defaultModelLimits`); see size-limits.ts. */
  maxReplyChars?: number;
  maxPromptChars?: number;
  /** Retry waits sleep on it, and an HTTP-date Retry-After is read against its `now()` (milliseconds since the epoch). */
  clock?: Clock;
  random?: () => number;
  /** Used for calls that bring no meter of their own. */
  meter?: UsageMeter;
  onRetry?: (event: { attempt: number; delayMs: number; error: LamarckError }) => void;
}

interface RawReply {
  text: string;
  nativeToolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: ModelUsage;
  latencyMs: number;
  attempts: number;
}

type CallShape = Pick<LanguageModelV4CallOptions, 'tools' | 'toolChoice' | 'responseFormat' | 'providerOptions'>;

export function createLanguageModelClient(model: LanguageModelV4, options: LanguageModelClientOptions): LanguageModelClient {
  const policy: RetryPolicy = { ...defaultRetryConfig, ...options.retries };
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const nativeTools = options.nativeTools ?? true;
  const name = options.spec;
  const maxReplyChars = options.maxReplyChars ?? defaultModelLimits.maxReplyChars;
  const maxPromptChars = options.maxPromptChars ?? defaultModelLimits.maxPromptChars;

  /** A reply over its cap is paid for (already metered) but never used. */
  const assertReplyWithinLimit = (text: string, toolCalls: readonly ToolCall[], usage: ModelUsage): void => {
    const chars = replyChars(text, toolCalls);
    if (chars > maxReplyChars) throw new ReplyTooLargeError({ model: name, chars, limit: maxReplyChars, text, usage });
  };

  const usageOf = (usage: LanguageModelV4Usage | undefined): ModelUsage => {
    const inputTokens = usage?.inputTokens.total ?? 0;
    const outputTokens = usage?.outputTokens.total ?? 0;
    return { inputTokens, outputTokens, costUsd: costOf({ inputTokens, outputTokens }, options.pricing) };
  };

  const retryContext = (signal: AbortSignal | undefined) => ({
    policy,
    clock,
    random,
    ...(signal === undefined ? {} : { signal }),
    ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
  });

  const callOptionsFor = (request: GenerateTextRequest, prompt: LanguageModelV4Prompt, shape: CallShape): LanguageModelV4CallOptions => ({
    prompt,
    ...shape,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
  });

  /** One accounted call with retries; the building block of every public method. */
  async function generateRaw(request: GenerateTextRequest, prompt: LanguageModelV4Prompt, shape: CallShape): Promise<RawReply> {
    assertPromptWithinLimit(prompt, maxPromptChars, name);
    const meter = request.meter ?? options.meter;
    const release = reserveCall(meter, name);
    const timeoutMs = request.timeoutMs ?? options.timeoutMs ?? defaultTimeoutMs;
    const started = performance.now();
    let value: Awaited<ReturnType<LanguageModelV4['doGenerate']>>;
    let attempts: number;
    let usage: ModelUsage;
    try {
      ({ value, attempts } = await withRetries(
        () =>
          callWithTimeout(
            (abortSignal) => Promise.resolve(model.doGenerate({ ...callOptionsFor(request, prompt, shape), abortSignal })),
            { timeoutMs, what: `${name} call`, ...(request.signal === undefined ? {} : { signal: request.signal }) },
          ),
        (error) => toModelCallError(error, name, clock.now()),
        retryContext(request.signal),
      ));
      usage = usageOf(value.usage);
      meter?.record(name, usage, request.purpose);
    } finally {
      release();
    }
    const text = value.structuredOutputText ?? textOf(value.content);
    const nativeToolCalls = toolCallsOf(value.content);
    assertReplyWithinLimit(text, nativeToolCalls, usage);
    return {
      text,
      nativeToolCalls,
      finishReason: mapFinishReason(value.finishReason),
      usage,
      latencyMs: Math.round(performance.now() - started),
      attempts,
    };
  }

  function toolShape(request: GenerateTextRequest): CallShape {
    if (!nativeTools || request.tools === undefined || request.tools.length === 0) return {};
    return {
      tools: request.tools.map((tool) => ({
        type: 'function' as const,
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema as JSONSchema7,
      })),
      toolChoice: { type: request.toolChoice ?? 'auto' },
    };
  }

  /** Whether this call's text tool calls are sampled under the reply schema (see `toolReplySchema`). */
  function constrainsToolReplies(request: GenerateTextRequest): boolean {
    return (
      !nativeTools &&
      options.grammarConstrainedJson === true &&
      request.tools !== undefined &&
      request.tools.length > 0 &&
      request.toolChoice !== 'none'
    );
  }

  function constrainedToolShape(request: GenerateTextRequest): CallShape {
    const schema = toolReplySchema(request.tools ?? [], request.toolChoice === 'required' ? 'required' : 'auto');
    return {
      responseFormat: { type: 'json', schema: schema as JSONSchema7, name: 'tool_reply' },
      // The tool descriptions in the system prompt already say what to write; no second copy.
      providerOptions: { local: { schemaInPrompt: false } },
    };
  }

  function finishText(
    request: GenerateTextRequest,
    raw: Omit<RawReply, 'latencyMs' | 'attempts'>,
    constrained = false,
  ): Pick<GenerateTextResult, 'text' | 'toolCalls' | 'finishReason'> {
    if (nativeTools || request.tools === undefined || request.toolChoice === 'none') {
      return { text: raw.text, toolCalls: raw.nativeToolCalls, finishReason: raw.finishReason };
    }
    if (constrained) {
      const reply = parseToolReply(raw.text, request.tools);
      // A reply cut off by the token limit is not valid JSON; it is passed on as text, as unconstrained.
      if (reply !== undefined) return { ...reply, finishReason: reply.toolCalls.length > 0 ? 'tool-calls' : raw.finishReason };
    }
    const call = parseToolCallFromText(raw.text, request.tools);
    if (call === undefined) return { text: raw.text, toolCalls: [], finishReason: raw.finishReason };
    return { text: '', toolCalls: [call], finishReason: 'tool-calls' };
  }

  const client: LanguageModelClient = {
    specificationVersion: modelSpecificationVersion,
    spec: name,
    provider: options.provider,
    modelId: options.modelId,
    nativeTools,

    async generateText(request) {
      const constrained = constrainsToolReplies(request);
      const prompt = buildPrompt(request, { nativeTools, answerAsJson: constrained });
      const raw = await generateRaw(request, prompt, constrained ? constrainedToolShape(request) : toolShape(request));
      return { ...finishText(request, raw, constrained), usage: raw.usage, model: name, latencyMs: raw.latencyMs, attempts: raw.attempts };
    },

    async generateObject<T>(request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>> {
      const jsonSchema = toJsonSchema(request.schema);
      const extraSystem = options.nativeStructuredOutput === true ? [] : [schemaInstruction(jsonSchema, request.schemaName, request.schemaDescription)];
      const shape: CallShape = {
        responseFormat: {
          type: 'json',
          schema: jsonSchema as JSONSchema7,
          ...(request.schemaName === undefined ? {} : { name: request.schemaName }),
          ...(request.schemaDescription === undefined ? {} : { description: request.schemaDescription }),
        },
        // OpenAI defaults to strict schemas, which reject optional fields; other providers ignore this.
        providerOptions: { openai: { strictJsonSchema: isStrictCompatible(jsonSchema) } },
      };
      const prompt = buildPrompt(request, { nativeTools, extraSystem });
      const first = await generateRaw(request, prompt, shape);
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
      const second = await generateRaw(request, repairPrompt, shape);
      const usage = addUsage(first.usage, second.usage);
      const reparsed = parseStructuredReply(second.text, request.schema);
      if (reparsed.ok) {
        return { object: reparsed.value, text: second.text, usage, model: name, latencyMs: first.latencyMs + second.latencyMs, repaired: true };
      }
      throw new ModelOutputError(`${name} returned invalid structured output twice: ${reparsed.error}`, {
        text: second.text,
        code: 'model-output-invalid',
      });
    },

    streamText(request) {
      const queue = new TextQueue();
      const result = streamInto(queue, request);
      // Callers may read only the text stream; the error then reaches them there.
      result.catch(() => undefined);
      return { textStream: queue, result } satisfies StreamTextResult;
    },
  };

  // Streams keep the plain text fallback: a constrained reply would stream its JSON wrapper to the reader.
  async function streamInto(queue: TextQueue, request: GenerateTextRequest): Promise<GenerateTextResult> {
    let release = (): void => undefined;
    try {
      const meter = request.meter ?? options.meter;
      const prompt = buildPrompt(request, { nativeTools });
      assertPromptWithinLimit(prompt, maxPromptChars, name);
      release = reserveCall(meter, name);
      const callOptions = callOptionsFor(request, prompt, toolShape(request));
      const timeoutMs = request.timeoutMs ?? options.timeoutMs ?? defaultTimeoutMs;
      const started = performance.now();
      let emitted = false;
      const { value, attempts } = await withRetries(
        async () => {
          try {
            return await readStream(callOptions, timeoutMs, request.signal, (delta) => {
              emitted = true;
              queue.push(delta);
            });
          } catch (error) {
            // Once text reached the caller a retry would repeat it, so the failure is final.
            const classified = toModelCallError(error, name, clock.now());
            if (emitted && classified.isRetryable) {
              throw new LamarckError({
                code: classified.code,
                message: `${classified.message} (after part of the reply was streamed)`,
                fault: classified.fault,
                cause: classified,
              });
            }
            throw classified;
          }
        },
        (error) => toModelCallError(error, name, clock.now()),
        retryContext(request.signal),
      );
      const usage = usageOf(value.usage);
      meter?.record(name, usage, request.purpose);
      assertReplyWithinLimit(value.text, value.toolCalls, usage);
      const finished = finishText(request, { text: value.text, nativeToolCalls: value.toolCalls, finishReason: value.finishReason, usage });
      queue.end();
      return { ...finished, usage, model: name, latencyMs: Math.round(performance.now() - started), attempts };
    } catch (error) {
      queue.fail(error);
      throw error;
    } finally {
      release();
    }
  }

  async function readStream(
    callOptions: LanguageModelV4CallOptions,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onText: (delta: string) => void,
  ): Promise<{ text: string; toolCalls: ToolCall[]; finishReason: FinishReason; usage: LanguageModelV4Usage | undefined }> {
    // The timeout bounds the wait for each part (idle time), not the whole reply, which may be long.
    return callWithTimeout(
      async (abortSignal, touch) => {
        const { stream } = await model.doStream({ ...callOptions, abortSignal });
        let text = '';
        const toolCalls: ToolCall[] = [];
        let finishReason: FinishReason = 'other';
        let usage: LanguageModelV4Usage | undefined;
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
                text += part.delta;
                // Stop reading a runaway reply at its cap instead of buffering all of it.
                if (text.length > maxReplyChars) {
                  await reader.cancel().catch(() => undefined);
                  throw new ReplyTooLargeError({ model: name, chars: text.length, limit: maxReplyChars, text, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } });
                }
                if (part.delta !== '') onText(part.delta);
                break;
              case 'tool-call':
                toolCalls.push(toToolCall(part.toolCallId, part.toolName, part.input));
                break;
              case 'finish':
                finishReason = mapFinishReason(part.finishReason);
                usage = part.usage;
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
        return { text, toolCalls, finishReason, usage };
      },
      { timeoutMs, what: `${name} stream`, ...(signal === undefined ? {} : { signal }) },
    );
  }

  return client;
}

function textOf(content: readonly LanguageModelV4Content[]): string {
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function toolCallsOf(content: readonly LanguageModelV4Content[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const part of content) {
    if (part.type === 'tool-call' && part.providerExecuted !== true) calls.push(toToolCall(part.toolCallId, part.toolName, part.input));
  }
  return calls;
}

function toToolCall(id: string, name: string, input: string): ToolCall {
  const parsed: JsonValue | undefined = input.trim() === '' ? {} : tryParseJson(input);
  if (parsed !== undefined) return { id, name, input: parsed };
  // Invalid argument JSON is kept as text and flagged, so the agent reports it back to the model.
  const excerpt = input.length > 200 ? `${input.slice(0, 200)}...` : input;
  return { id, name, input, inputError: `the arguments of ${name} are not valid JSON (${input.length} characters: ${JSON.stringify(excerpt)})` };
}

function mapFinishReason(reason: LanguageModelV4FinishReason): FinishReason {
  return reason.unified === 'interrupted' ? 'other' : reason.unified;
}

function addUsage(first: ModelUsage, second: ModelUsage): ModelUsage {
  return {
    inputTokens: first.inputTokens + second.inputTokens,
    outputTokens: first.outputTokens + second.outputTokens,
    costUsd: first.costUsd + second.costUsd,
  };
}
