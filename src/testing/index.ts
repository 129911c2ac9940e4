export { createMemoryStore } from './memory-store.ts';
export {
  createScriptedModel,
  ScriptExhaustedError,
  type ScriptedModel,
  type ScriptedModelOptions,
  type ScriptedReply,
  type ScriptedReplyValue,
  type ScriptedRequest,
  type ScriptedToolCall,
  type ScriptedUsage,
} from './scripted-model.ts';
export { createHashEmbeddingModel } from './hash-embedding.ts';
export { createFakeClock, type FakeClock } from './fake-clock.ts';
