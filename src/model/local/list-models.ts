import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { assertGgufFile } from './llama-runtime.ts';

/**
 * `lamarck model ls`: the GGUF files in a models directory, described from their headers
 * (architecture, name, context length) without loading any weights.
 */
export interface LocalModelFile {
  path: string;
  fileName: string;
  bytes: number;
  /** `general.architecture`, e.g. `llama`, `qwen2`; undefined when the header could not be read. */
  architecture: string | undefined;
  name: string | undefined;
  contextLength: number | undefined;
  /** Why the header could not be read, when it could not. */
  error?: string;
}

// The vocabulary arrays are the bulk of a GGUF header (150k strings for some models); `ls` needs none of it.
const skippedKeys = [
  'tokenizer.ggml.tokens',
  'tokenizer.ggml.scores',
  'tokenizer.ggml.token_type',
  'tokenizer.ggml.merges',
  'tokenizer.chat_template',
];

export async function describeGgufFile(path: string): Promise<LocalModelFile> {
  const { size } = await stat(path);
  const base = { path, fileName: basename(path), bytes: size };
  try {
    await assertGgufFile(path);
    const { readGgufFileInfo } = await import('node-llama-cpp');
    const info = await readGgufFileInfo(path, {
      readTensorInfo: false,
      sourceType: 'filesystem',
      ignoreKeys: skippedKeys,
      logWarnings: false,
    });
    const architecture = info.metadata.general?.architecture;
    const contextLength = (info.architectureMetadata as { context_length?: unknown }).context_length;
    return {
      ...base,
      architecture: typeof architecture === 'string' ? architecture : undefined,
      name: info.metadata.general?.name,
      contextLength: typeof contextLength === 'number' ? contextLength : undefined,
    };
  } catch (error) {
    return {
      ...base,
      architecture: undefined,
      name: undefined,
      contextLength: undefined,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/** Every `.gguf` file directly inside `directory`, sorted by name; an absent directory lists nothing. */
export async function listLocalModels(directory: string): Promise<LocalModelFile[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.gguf'))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(files.map((name) => describeGgufFile(join(directory, name))));
}
