import type { LanguageModelV4, LanguageModelV4CallOptions } from '@ai-sdk/provider';

/**
 * A `local:` model that loads node-llama-cpp only when first called, so resolving specs (and every
 * command that never touches a local model) does not pay for importing the native runtime.
 */
export function createLazyLocalModel(path: string): LanguageModelV4 {
  let loaded: Promise<LanguageModelV4> | undefined;
  const load = (): Promise<LanguageModelV4> =>
    (loaded ??= import('./local/local-language-model.ts').then((module) => module.createLocalLanguageModel({ path })));
  return {
    specificationVersion: 'v4',
    provider: 'local',
    modelId: path,
    supportedUrls: {},
    async doGenerate(options: LanguageModelV4CallOptions) {
      return (await load()).doGenerate(options);
    },
    async doStream(options: LanguageModelV4CallOptions) {
      return (await load()).doStream(options);
    },
  };
}
