import type { LanguageModelV4 } from '@ai-sdk/provider';
import { clientContext, type LanguageModelClientOptions } from './client/client-context.ts';
import { generateObject } from './client/generate-object.ts';
import { generateRaw } from './client/generate-raw.ts';
import { streamInto } from './client/stream-text.ts';
import { constrainedToolShape, constrainsToolReplies, finishText, toolShape } from './client/tool-replies.ts';
import { buildPrompt } from './prompt.ts';
import { TextQueue } from './text-queue.ts';
import { modelSpecificationVersion, type LanguageModelClient, type StreamTextResult } from './types.ts';

export type { LanguageModelClientOptions } from './client/client-context.ts';

/**
 * The one wrapper every model goes through, real provider or scripted double. Its phases live in
 * `client/`: the shared context and its rules (`client-context.ts`), one accounted call with
 * timeout and retries (`generate-raw.ts`), tools out and tool calls back (`tool-replies.ts`),
 * structured output with one repair (`generate-object.ts`), streaming (`stream-text.ts`), and
 * reading a provider's reply (`provider-content.ts`).
 */
export function createLanguageModelClient(model: LanguageModelV4, options: LanguageModelClientOptions): LanguageModelClient {
  const context = clientContext(model, options);
  const { name, nativeTools } = context;
  return {
    specificationVersion: modelSpecificationVersion,
    spec: name,
    provider: options.provider,
    modelId: options.modelId,
    nativeTools,

    async generateText(request) {
      const constrained = constrainsToolReplies(context, request);
      const prompt = buildPrompt(request, { nativeTools, answerAsJson: constrained });
      const raw = await generateRaw(context, request, prompt, constrained ? constrainedToolShape(request) : toolShape(context, request));
      return { ...finishText(context, request, raw, constrained), usage: raw.usage, model: name, latencyMs: raw.latencyMs, attempts: raw.attempts };
    },

    generateObject: (request) => generateObject(context, request),

    streamText(request) {
      const queue = new TextQueue();
      const result = streamInto(context, queue, request);
      // Callers may read only the text stream; the error then reaches them there.
      result.catch(() => undefined);
      return { textStream: queue, result } satisfies StreamTextResult;
    },
  };
}
