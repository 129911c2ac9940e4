import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Llama, LlamaChat, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import { ConfigError, ModelCallError } from '../../core/errors.ts';
import { createCallQueue, type CallQueue } from './call-queue.ts';

/**
 * Loads GGUF models through node-llama-cpp, lazily and at most once per file: loading weights
 * is the slow part (seconds to minutes) and the memory is large, so every language model object
 * pointing at the same file shares one loaded model, and every call on one context takes turns.
 */
export interface LocalRuntimeOptions {
  path: string;
  contextSize?: number;
  gpuLayers?: number | 'auto';
  threads?: number;
}

/** One loaded model with one context and its single sequence, used by one call at a time. */
export interface LocalRuntime {
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly sequence: LlamaContextSequence;
  readonly chat: LlamaChat;
  readonly queue: CallQueue;
  readonly path: string;
}

// The field named in configuration errors; the model layer's spec for this is `local:<path>`.
const configField = 'model';
const defaultMaxContextSize = 8192;
// Below this size a token's matrix work takes microseconds, less than handing it between
// threads; and llama.cpp's waiting threads spin, which on a busy machine costs seconds.
const smallModelBytes = 64 * 1024 * 1024;

const llamas = new Map<string, Promise<Llama>>();
const models = new Map<string, Promise<LlamaModel>>();
const runtimes = new Map<string, Promise<LocalRuntime>>();

/** The runtime for these options, loading the model and creating its context on first use. */
export function getLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const path = resolve(options.path);
  const key = JSON.stringify([path, options.gpuLayers ?? 'auto', options.contextSize ?? null, options.threads ?? null]);
  return cached(runtimes, key, async () => {
    const model = await loadModel(path, options.gpuLayers ?? 'auto');
    const { LlamaChat } = await import('node-llama-cpp');
    const context = await createContext(model, path, options);
    const sequence = context.getSequence();
    return {
      llama: model.llama,
      model,
      context,
      sequence,
      chat: new LlamaChat({ contextSequence: sequence }),
      queue: createCallQueue(),
      path,
    };
  });
}

/** Frees every loaded model and context (tests, and a CLI about to exit, call this). */
export async function unloadLocalModels(): Promise<void> {
  const loaded = [...runtimes.values(), ...models.values()];
  runtimes.clear();
  models.clear();
  for (const pending of loaded) {
    const value = await pending.catch(() => undefined);
    if (value === undefined) continue;
    if ('sequence' in value) await value.context.dispose();
    else await value.dispose();
  }
}

/** Checks that `path` is a readable GGUF file, with the user-facing error when it is not. */
export async function assertGgufFile(path: string): Promise<void> {
  const info = await stat(path).catch((error: unknown) => {
    throw new ConfigError(
      configField,
      `local model file not found: ${path} (run \`lamarck model pull <alias>\` or point local:<path> at a .gguf file)`,
      { cause: error },
    );
  });
  if (!info.isFile()) throw new ConfigError(configField, `local model path is not a file: ${path}`);
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    if (bytesRead < 4 || magic.toString('latin1') !== 'GGUF') {
      throw new ConfigError(configField, `not a GGUF model file: ${path} (local models must be llama.cpp GGUF files)`);
    }
  } finally {
    await handle.close();
  }
}

async function loadModel(path: string, gpuLayers: number | 'auto'): Promise<LlamaModel> {
  return cached(models, JSON.stringify([path, gpuLayers]), async () => {
    await assertGgufFile(path);
    const llama = await getLlamaFor(gpuLayers === 0 ? 'cpu' : 'auto');
    try {
      return await llama.loadModel({ modelPath: path, gpuLayers });
    } catch (error) {
      throw new ModelCallError({
        code: 'local-model-load-failed',
        message: `could not load local model ${path}: ${error instanceof Error ? error.message : String(error)}`,
        isRetryable: false,
        cause: error,
      });
    }
  });
}

async function createContext(model: LlamaModel, path: string, options: LocalRuntimeOptions): Promise<LlamaContext> {
  try {
    return await model.createContext({
      // Without a size, take what fits up to a bound: some models train on 128k tokens, and a
      // KV cache that size would take gigabytes for calls that never need it.
      contextSize: options.contextSize ?? { max: Math.min(model.trainContextSize, defaultMaxContextSize) },
      ...threadsFor(model, options.threads),
    });
  } catch (error) {
    throw new ModelCallError({
      code: 'local-model-load-failed',
      message: `could not create a context for local model ${path}: ${error instanceof Error ? error.message : String(error)}`,
      isRetryable: false,
      cause: error,
    });
  }
}

/** The caller's thread count, else one thread for a small model, else node-llama-cpp's default. */
function threadsFor(model: LlamaModel, threads: number | undefined): { threads?: number } {
  if (threads !== undefined) return { threads };
  return model.size < smallModelBytes ? { threads: 1 } : {};
}

async function getLlamaFor(mode: 'cpu' | 'auto'): Promise<Llama> {
  return cached(llamas, mode, async () => {
    const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
    try {
      // `build: 'never'`: use the prebuilt binaries that ship with the package; compiling
      // llama.cpp at run time would need a toolchain and a network.
      return await getLlama({
        gpu: mode === 'cpu' ? false : 'auto',
        build: 'never',
        progressLogs: false,
        logLevel: LlamaLogLevel.error,
      });
    } catch (error) {
      throw new ModelCallError({
        code: 'local-runtime-unavailable',
        message: `node-llama-cpp could not start (no usable prebuilt binary for this platform?): ${
          error instanceof Error ? error.message : String(error)
        }`,
        isRetryable: false,
        cause: error,
      });
    }
  });
}

/** Memoizes a promise by key, forgetting it when it rejects so a later call can try again. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, create: () => Promise<T>): Promise<T> {
  const existing = cache.get(key);
  if (existing !== undefined) return existing;
  const created = create();
  cache.set(key, created);
  created.catch(() => {
    if (cache.get(key) === created) cache.delete(key);
  });
  return created;
}
