/**
 * `lamarck`: the main entry points. Each part has its own subpath export with everything in it
 * (`lamarck/evolve`, `lamarck/agent`, `lamarck/learn`, `lamarck/library`, `lamarck/model`,
 * `lamarck/store`, `lamarck/sandbox`, `lamarck/core`); test doubles are in `lamarck/testing`.
 */
export * from './core/errors.ts';
export { loadConfig, type LamarckConfig } from './core/config.ts';
export type { LanguageModelClient, EmbeddingClient, UsageMeter } from './model/types.ts';
export { resolveModel, resolveModels, resolveEnsemble } from './model/resolve-model.ts';
export { createUsageMeter } from './model/usage-meter.ts';
export type { Store } from './store/types.ts';
export { openStore } from './store/open-store.ts';
export { runTool } from './sandbox/run-tool.ts';
export { evolve, type EvolveHandle, type EvolveOptions } from './evolve/evolve.ts';
export { loadProblem } from './evolve/problem/index.ts';
export { Library } from './library/library.ts';
export { runAgent } from './agent/run-agent.ts';
export { runLearn, type LearnOptions, type LearnResult, type LearnRun } from './learn/learn-loop.ts';
export type { RunHandle, RunEventStream } from './core/run-handle.ts';
