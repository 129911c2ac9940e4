export { createLocalLanguageModel, type LocalLanguageModelOptions } from './local-language-model.ts';
export { unloadLocalModels, assertGgufFile } from './llama-runtime.ts';
export { jsonSchemaToGrammarSchema } from './json-schema-to-grammar-schema.ts';
export { listLocalModels, describeGgufFile, type LocalModelFile } from './list-models.ts';
export {
  pullModel,
  resolveModelSource,
  modelAliases,
  modelsDirectoryName,
  type PullModelOptions,
  type PullModelResult,
} from './pull-model.ts';
