import { APICallError } from '@ai-sdk/provider';
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import type { Clock } from '../core/clock.ts';
import { LamarckError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';
import { createLanguageModelClient } from '../model/language-model-client.ts';
import type { RetryPolicy } from '../model/retry.ts';
import type { FinishReason, LanguageModelClient, ModelPricing, UsageMeter } from '../model/types.ts';
import { createFakeClock } from './fake-clock.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * A scripted language model for tests: a list of replies given out in order. It is an AI SDK
 * model wrapped by the same client as real providers, so prompts, retries, tool fallback,
 * structured-output repair and accounting run for real. `verify()` fails a test that left replies
 * unused or asked for more than the script had.
 */
export interface ScriptedUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ScriptedToolCall {
  name: string;
  input: JsonValue;
  id?: string;
}

export type ScriptedReplyValue =
  | string
  | { text: string; usage?: ScriptedUsage; finishReason?: FinishReason }
  | { object: unknown; usage?: ScriptedUsage }
  | { toolCalls: ScriptedToolCall[]; text?: string; usage?: ScriptedUsage }
  | {
      error: {
        statusCode?: number;
        retryAfterSeconds?: number;
        message?: string;
        /** Simulates a dropped connection instead of an HTTP status. */
        connectionReset?: boolean;
      };
    };

export type ScriptedReply = ScriptedReplyValue | ((request: ScriptedRequest) => ScriptedReplyValue | Promise<ScriptedReplyValue>);

/** What the model was asked, flattened for assertions; `prompt` is the exact provider prompt. */
export interface ScriptedRequest {
  index: number;
  streaming: boolean;
  system: string | undefined;
  messages: Array<{ role: 'user' | 'assistant' | 'tool'; text: string }>;
  /** The last user message's text (tool results count for the text-fallback path). */
  lastUserText: string;
  tools: string[];
  responseFormat: 'text' | 'json';
  prompt: LanguageModelV4Prompt;
}

export interface ScriptedModelOptions {
  replies: ScriptedReply[];
  /** Shown as the model's name; `scripted:model` unless given. */
  spec?: string;
  /** False makes tool calls travel as JSON text, as with local models. */
  nativeTools?: boolean;
  pricing?: ModelPricing;
  meter?: UsageMeter;
  retries?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /** Size caps in characters, as `limits` in lamarck.config.json gives real models. */
  limits?: { maxReplyChars?: number; maxPromptChars?: number };
  /** Backoff waits use this clock; the default fake clock skips them (see `clock.sleeps`). */
  clock?: Clock;
}

export interface ScriptedModel extends LanguageModelClient {
  readonly calls: ScriptedRequest[];
  /** Replies not yet given out. */
  readonly remaining: number;
  readonly languageModel: LanguageModelV4;
  readonly clock: Clock;
  /** Throws when replies are left over or the script ever ran out. */
  verify(): void;
}

export class ScriptExhaustedError extends LamarckError {
  constructor(spec: string, callNumber: number, scriptLength: number, lastUserText: string) {
    super({
      code: 'script-exhausted',
      message: `scripted model ${spec} ran out of replies: call ${callNumber} but the script has ${scriptLength} (last user text: ${JSON.stringify(lastUserText.slice(0, 200))})`,
      fault: 'internal',
    });
  }
}

export function createScriptedModel(options: ScriptedModelOptions): ScriptedModel {
  // A spec with a provider prefix is kept as given (to stand in for a real model's name).
  const spec = options.spec === undefined ? 'scripted:model' : options.spec.includes(':') ? options.spec : `scripted:${options.spec}`;
  const modelId = spec.slice(spec.indexOf(':') + 1);
  const nativeTools = options.nativeTools ?? true;
  const replies = [...options.replies];
  const calls: ScriptedRequest[] = [];
  let next = 0;
  let ranOutAt: number | undefined;

  async function nextReply(call: LanguageModelV4CallOptions, streaming: boolean): Promise<{ value: SuccessReply; request: ScriptedRequest }> {
    const request = describeRequest(call, calls.length, streaming);
    calls.push(request);
    const reply = replies[next];
    if (reply === undefined) {
      ranOutAt ??= calls.length;
      throw new ScriptExhaustedError(spec, calls.length, replies.length, request.lastUserText);
    }
    next += 1;
    const value = typeof reply === 'function' ? await reply(request) : reply;
    if (typeof value === 'object' && 'error' in value) throw scriptedError(value.error, spec);
    return { value: value as SuccessReply, request };
  }

  const languageModel: LanguageModelV4 = {
    specificationVersion: 'v4',
    provider: 'scripted',
    modelId,
    supportedUrls: {},
    async doGenerate(call): Promise<LanguageModelV4GenerateResult> {
      const { value, request } = await nextReply(call, false);
      const reply = normalise(value, nativeTools);
      const content: LanguageModelV4Content[] = [];
      if (reply.text !== '') content.push({ type: 'text', text: reply.text });
      for (const toolCall of reply.toolCalls) content.push({ type: 'tool-call', ...toolCall });
      return {
        content,
        finishReason: { unified: reply.finishReason, raw: reply.finishReason },
        usage: toUsage(reply.usage ?? estimateUsage(request, reply.text)),
        warnings: [],
      };
    },
    async doStream(call) {
      const { value, request } = await nextReply(call, true);
      const reply = normalise(value, nativeTools);
      const parts: LanguageModelV4StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      if (reply.text !== '') {
        parts.push({ type: 'text-start', id: 'text-0' });
        // Word-sized deltas, so stream consumers see more than one chunk.
        for (const delta of reply.text.match(/\S+\s*|\s+/g) ?? []) parts.push({ type: 'text-delta', id: 'text-0', delta });
        parts.push({ type: 'text-end', id: 'text-0' });
      }
      for (const toolCall of reply.toolCalls) parts.push({ type: 'tool-call', ...toolCall });
      parts.push({
        type: 'finish',
        finishReason: { unified: reply.finishReason, raw: reply.finishReason },
        usage: toUsage(reply.usage ?? estimateUsage(request, reply.text)),
      });
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  };

  const clock = options.clock ?? createFakeClock({ autoAdvance: true });
  const client = createLanguageModelClient(languageModel, {
    spec,
    provider: 'scripted',
    modelId,
    nativeTools,
    nativeStructuredOutput: false,
    pricing: options.pricing ?? { inputPerMillion: 0, outputPerMillion: 0 },
    clock,
    ...definedOnly({ meter: options.meter, retries: options.retries, timeoutMs: options.timeoutMs }),
    ...definedOnly({ maxReplyChars: options.limits?.maxReplyChars, maxPromptChars: options.limits?.maxPromptChars }),
  });

  return Object.assign(client, {
    calls,
    languageModel,
    clock,
    get remaining() {
      return replies.length - next;
    },
    verify() {
      if (ranOutAt !== undefined) {
        throw new Error(`scripted model ${spec} ran out of replies at call ${ranOutAt} (the script has ${replies.length})`);
      }
      if (next < replies.length) {
        throw new Error(`scripted model ${spec} has ${replies.length - next} unused ${replies.length - next === 1 ? 'reply' : 'replies'} of ${replies.length}`);
      }
    },
  });
}

interface NormalisedReply {
  text: string;
  toolCalls: Array<{ toolCallId: string; toolName: string; input: string }>;
  finishReason: FinishReason;
  usage: ScriptedUsage | undefined;
}

let toolCallCounter = 0;

type SuccessReply = Exclude<ScriptedReplyValue, { error: unknown }>;

function normalise(value: SuccessReply, nativeTools: boolean): NormalisedReply {
  if (typeof value === 'string') return { text: value, toolCalls: [], finishReason: 'stop', usage: undefined };
  if ('object' in value) return { text: JSON.stringify(value.object), toolCalls: [], finishReason: 'stop', usage: value.usage };
  if ('toolCalls' in value) {
    if (!nativeTools) {
      // Without native tools the model "writes" the call, as a local model would.
      const first = value.toolCalls[0];
      const text = first === undefined ? (value.text ?? '') : JSON.stringify({ tool: first.name, input: first.input });
      return { text, toolCalls: [], finishReason: 'stop', usage: value.usage };
    }
    return {
      text: value.text ?? '',
      toolCalls: value.toolCalls.map((call) => ({
        toolCallId: call.id ?? `call_scripted_${(toolCallCounter += 1)}`,
        toolName: call.name,
        input: JSON.stringify(call.input),
      })),
      finishReason: 'tool-calls',
      usage: value.usage,
    };
  }
  return { text: value.text, toolCalls: [], finishReason: value.finishReason ?? 'stop', usage: value.usage };
}

function scriptedError(error: Extract<ScriptedReplyValue, { error: unknown }>['error'], spec: string): Error {
  if (error.connectionReset === true) {
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    return new TypeError('fetch failed', { cause });
  }
  const statusCode = error.statusCode ?? 500;
  const message = error.message ?? `scripted HTTP ${statusCode}`;
  return new APICallError({
    message,
    url: `scripted://${spec}`,
    requestBodyValues: {},
    statusCode,
    responseHeaders: error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) },
    responseBody: JSON.stringify({ error: { message } }),
  });
}

function describeRequest(call: LanguageModelV4CallOptions, index: number, streaming: boolean): ScriptedRequest {
  let system: string | undefined;
  const messages: ScriptedRequest['messages'] = [];
  for (const message of call.prompt) {
    if (message.role === 'system') {
      system = system === undefined ? message.content : `${system}\n\n${message.content}`;
      continue;
    }
    const text = message.content
      .map((part) => {
        if (part.type === 'text') return part.text;
        if (part.type === 'tool-call') return JSON.stringify({ tool: part.toolName, input: part.input });
        if (part.type === 'tool-result') return 'value' in part.output ? String(typeof part.output.value === 'string' ? part.output.value : JSON.stringify(part.output.value)) : '';
        return '';
      })
      .join('\n');
    messages.push({ role: message.role, text });
  }
  const lastUser = [...messages].reverse().find((message) => message.role === 'user' || message.role === 'tool');
  return {
    index,
    streaming,
    system,
    messages,
    lastUserText: lastUser?.text ?? '',
    tools: (call.tools ?? []).map((tool) => tool.name),
    responseFormat: call.responseFormat?.type === 'json' ? 'json' : 'text',
    prompt: call.prompt,
  };
}

/** About four characters a token, like the providers' rule of thumb, so budgets behave plausibly. */
function estimateUsage(request: ScriptedRequest, replyText: string): ScriptedUsage {
  const promptChars = (request.system?.length ?? 0) + request.messages.reduce((sum, message) => sum + message.text.length, 0);
  return { inputTokens: Math.ceil(promptChars / 4), outputTokens: Math.ceil(replyText.length / 4) };
}

function toUsage(usage: ScriptedUsage): LanguageModelV4Usage {
  return {
    inputTokens: { total: usage.inputTokens, noCache: usage.inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: usage.outputTokens, text: usage.outputTokens, reasoning: undefined },
  };
}
