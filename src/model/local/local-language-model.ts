import type {
  JSONSchema7,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
  SharedV4Warning,
} from '@ai-sdk/provider';
import type {
  ChatHistoryItem,
  GbnfJsonSchema,
  LLamaChatGenerateResponseOptions,
  Llama,
  LlamaChatResponse,
  LlamaGrammar,
} from 'node-llama-cpp';
import { isLamarckError, ModelCallError } from '../../core/errors.ts';
import { jsonSchemaToGrammarSchema } from './json-schema-to-grammar-schema.ts';
import { getLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from './llama-runtime.ts';
import { promptToChatHistory } from './prompt-to-chat-history.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * An AI SDK language model that runs a GGUF file in-process through node-llama-cpp: no server,
 * no network. The file is loaded on the first call and shared by every model object for it.
 * Structured output (`responseFormat: json`) is sampled under a grammar built from the schema,
 * so even a small model can only produce JSON of the requested shape.
 *
 * Native tool calling is not offered: the model layer describes tools in text and parses the
 * JSON reply, which works the same for every local model whatever its chat template.
 */
export type LocalLanguageModelOptions = LocalRuntimeOptions;

export function createLocalLanguageModel(options: LocalLanguageModelOptions): LanguageModelV4 {
  const modelId = options.path;
  return {
    specificationVersion: 'v4',
    provider: 'local',
    modelId,
    supportedUrls: {},

    async doGenerate(call: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
      const prepared = prepareCall(call);
      const runtime = await untilAborted(getLocalRuntime(options), call.abortSignal);
      const outcome = await runtime.queue.run(
        () => generate(runtime, prepared, call.abortSignal, undefined),
        call.abortSignal,
      );
      const content: LanguageModelV4Content[] = outcome.text === '' ? [] : [{ type: 'text', text: outcome.text }];
      return {
        content,
        finishReason: outcome.finishReason,
        usage: outcome.usage,
        warnings: prepared.warnings,
        response: { modelId, timestamp: outcome.startedAt },
      };
    },

    async doStream(call: LanguageModelV4CallOptions) {
      const prepared = prepareCall(call);
      // Load before returning the stream, so a missing or broken file rejects the call itself.
      const runtime = await untilAborted(getLocalRuntime(options), call.abortSignal);
      const cancel = new AbortController();
      const signal = call.abortSignal === undefined ? cancel.signal : AbortSignal.any([call.abortSignal, cancel.signal]);
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          controller.enqueue({ type: 'stream-start', warnings: prepared.warnings });
          const textId = 'text-0';
          let textStarted = false;
          const onTextChunk = (delta: string): void => {
            if (delta === '') return;
            if (!textStarted) {
              controller.enqueue({ type: 'text-start', id: textId });
              textStarted = true;
            }
            controller.enqueue({ type: 'text-delta', id: textId, delta });
          };
          runtime.queue
            .run(() => generate(runtime, prepared, signal, onTextChunk), signal)
            .then((outcome) => {
              controller.enqueue({ type: 'response-metadata', modelId, timestamp: outcome.startedAt });
              if (textStarted) controller.enqueue({ type: 'text-end', id: textId });
              controller.enqueue({ type: 'finish', usage: outcome.usage, finishReason: outcome.finishReason });
              controller.close();
            })
            .catch((error: unknown) => {
              if (cancel.signal.aborted) return;
              controller.enqueue({ type: 'error', error });
              controller.close();
            });
        },
        cancel() {
          cancel.abort(new Error('stream cancelled by its reader'));
        },
      });
      return { stream };
    },
  };
}

/** Lets a caller stop waiting for a shared load (which goes on for the other callers). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

interface PreparedCall {
  history: ChatHistoryItem[];
  warnings: SharedV4Warning[];
  /** For JSON output: the grammar's schema, or `any` for JSON of any shape. */
  json: { grammarSchema: GbnfJsonSchema | 'any' } | undefined;
  settings: GenerationSettings;
}

type GenerationSettings = Pick<
  LLamaChatGenerateResponseOptions,
  'maxTokens' | 'temperature' | 'topP' | 'topK' | 'seed' | 'customStopTriggers' | 'repeatPenalty'
>;

interface GenerationOutcome {
  text: string;
  finishReason: LanguageModelV4FinishReason;
  usage: LanguageModelV4Usage;
  startedAt: Date;
}

/** Everything about a call that needs no model: the history, warnings, sampling settings. */
function prepareCall(call: LanguageModelV4CallOptions): PreparedCall {
  const { history, warnings } = promptToChatHistory(call.prompt);
  if (call.tools !== undefined && call.tools.length > 0) {
    warnings.push({
      type: 'unsupported',
      feature: 'tools',
      details: 'local models have no native tool calling; describe tools in the prompt (the model layer does this)',
    });
  }
  if (call.reasoning !== undefined && call.reasoning !== 'provider-default') {
    warnings.push({ type: 'unsupported', feature: 'reasoning', details: 'reasoning effort is not adjustable for local models' });
  }
  let json: PreparedCall['json'];
  if (call.responseFormat?.type === 'json') {
    const schema = call.responseFormat.schema;
    if (schema === undefined) json = { grammarSchema: 'any' };
    else {
      const converted = jsonSchemaToGrammarSchema(schema);
      json = { grammarSchema: converted.schema };
      if (converted.dropped.length > 0) {
        warnings.push({
          type: 'compatibility',
          feature: 'responseFormat.schema',
          details: `the sampling grammar cannot enforce ${converted.dropped.join(', ')}; the output may still violate them`,
        });
      }
    }
    // A caller that already described the reply in its prompt (text tool calls) opts out of a second copy.
    if (call.providerOptions?.['local']?.['schemaInPrompt'] !== false) addJsonInstruction(history, schema);
  }
  const penalties =
    call.presencePenalty === undefined && call.frequencyPenalty === undefined
      ? {}
      : {
          repeatPenalty: {
            ...definedOnly({ presencePenalty: call.presencePenalty, frequencyPenalty: call.frequencyPenalty }),
          },
        };
  const settings: GenerationSettings = {
    ...definedOnly({ maxTokens: call.maxOutputTokens, temperature: call.temperature, topP: call.topP, topK: call.topK, seed: call.seed }),
    ...(call.stopSequences === undefined || call.stopSequences.length === 0 ? {} : { customStopTriggers: call.stopSequences }),
    ...penalties,
  };
  return { history, warnings, json, settings };
}

/**
 * The grammar decides the form; telling the model the schema lets it choose sensible content.
 * Providers with native structured output do the same on their side.
 */
function addJsonInstruction(history: ChatHistoryItem[], schema: JSONSchema7 | undefined): void {
  const instruction =
    schema === undefined
      ? 'Answer with one JSON value and nothing else.'
      : `Answer with one JSON value that matches this JSON Schema, and nothing else:\n${JSON.stringify(schema)}`;
  const first = history[0];
  if (first?.type === 'system' && typeof first.text === 'string') first.text = `${first.text}\n\n${instruction}`;
  else history.unshift({ type: 'system', text: instruction });
}

async function generate(
  runtime: LocalRuntime,
  prepared: PreparedCall,
  signal: AbortSignal | undefined,
  onTextChunk: ((text: string) => void) | undefined,
): Promise<GenerationOutcome> {
  const startedAt = new Date();
  const grammar = prepared.json === undefined ? undefined : await grammarFor(runtime.llama, prepared.json.grammarSchema);
  const before = runtime.sequence.tokenMeter.getState();
  let response: LlamaChatResponse;
  try {
    response = await runtime.chat.generateResponse(prepared.history, {
      ...prepared.settings,
      ...definedOnly({ grammar, signal, onTextChunk }),
    });
  } catch (error) {
    // An abort surfaces as the signal's own reason, as the AI SDK expects.
    if (signal?.aborted === true || isLamarckError(error)) throw error;
    throw new ModelCallError({
      code: 'local-generation-failed',
      message: `local model ${runtime.path} failed to generate: ${error instanceof Error ? error.message : String(error)}`,
      isRetryable: false,
      cause: error,
    });
  }
  const used = runtime.sequence.tokenMeter.diff(before);
  // The sequence now holds prompt + answer; what was not evaluated this call came from its cache.
  const inputTotal = Math.max(used.usedInputTokens, runtime.sequence.contextTokens.length - used.usedOutputTokens);
  return {
    text: response.response,
    finishReason: finishReasonOf(response.metadata.stopReason),
    usage: {
      inputTokens: {
        total: inputTotal,
        noCache: used.usedInputTokens,
        cacheRead: inputTotal - used.usedInputTokens,
        cacheWrite: undefined,
      },
      outputTokens: { total: used.usedOutputTokens, text: used.usedOutputTokens, reasoning: undefined },
    },
    startedAt,
  };
}

function finishReasonOf(stopReason: LlamaChatResponse['metadata']['stopReason']): LanguageModelV4FinishReason {
  switch (stopReason) {
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return { unified: 'stop', raw: stopReason };
    case 'maxTokens':
      return { unified: 'length', raw: stopReason };
    case 'functionCalls':
      return { unified: 'tool-calls', raw: stopReason };
    case 'abort':
      return { unified: 'interrupted', raw: stopReason };
  }
}

// Building a grammar compiles GBNF and hands it to llama.cpp; calls with one schema reuse it.
const grammarCache = new WeakMap<Llama, Map<string, Promise<LlamaGrammar>>>();
const grammarCacheLimit = 32;

function grammarFor(llama: Llama, schema: GbnfJsonSchema | 'any'): Promise<LlamaGrammar> {
  let cache = grammarCache.get(llama);
  if (cache === undefined) {
    cache = new Map();
    grammarCache.set(llama, cache);
  }
  const key = JSON.stringify(schema);
  const existing = cache.get(key);
  if (existing !== undefined) return existing;
  const created =
    schema === 'any'
      ? llama.getGrammarFor('json')
      : // The method's generic parameters want a literal schema type; ours is built at run time.
        llama.createGrammarForJsonSchema(schema as Parameters<Llama['createGrammarForJsonSchema']>[0]);
  if (cache.size >= grammarCacheLimit) cache.delete(cache.keys().next().value!);
  cache.set(key, created);
  created.catch(() => cache.delete(key));
  return created;
}
