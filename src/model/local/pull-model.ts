import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ModelCallError, UsageError } from '../../core/errors.ts';
import { describeGgufFile, type LocalModelFile } from './list-models.ts';
import { definedOnly, mapDefined } from '../../core/defined-only.ts';

/**
 * `lamarck model pull`: downloads a GGUF model into the project's `.lamarck/models/` with
 * node-llama-cpp's downloader. A short reachability probe runs first, so a machine without a
 * network learns in seconds (not after a DNS or TCP timeout) how to supply a file instead.
 */
export const modelsDirectoryName = join('.lamarck', 'models');

/** Small instruct models that run on a laptop CPU, in node-llama-cpp's URI form. */
export const modelAliases: Readonly<Record<string, { uri: string; description: string }>> = {
  'qwen2.5-0.5b': {
    uri: 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M',
    description: 'Qwen2.5 0.5B Instruct, Q4_K_M (about 0.4 GB)',
  },
  'qwen2.5-1.5b': {
    uri: 'hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF:Q4_K_M',
    description: 'Qwen2.5 1.5B Instruct, Q4_K_M (about 1 GB)',
  },
  'qwen2.5-coder-1.5b': {
    uri: 'hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF:Q4_K_M',
    description: 'Qwen2.5 Coder 1.5B Instruct, Q4_K_M (about 1 GB)',
  },
  'llama3.2-1b': {
    uri: 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
    description: 'Llama 3.2 1B Instruct, Q4_K_M (about 0.8 GB)',
  },
};

export interface PullModelOptions {
  /** An alias from `modelAliases`, an `hf:` URI, or an `https://` URL of a .gguf file. */
  source: string;
  /** Project directory; the file goes to `<cwd>/.lamarck/models/` unless `directory` is given. */
  cwd: string;
  directory?: string;
  env?: NodeJS.ProcessEnv;
  /** How long the reachability probe may take before the network counts as absent. */
  probeTimeoutMs?: number;
  /** Overrides the Hugging Face endpoint (otherwise `HF_ENDPOINT`, `MODEL_ENDPOINT`, or huggingface.co). */
  huggingFaceEndpoint?: string;
  signal?: AbortSignal;
  onProgress?: (progress: { downloadedBytes: number; totalBytes: number }) => void;
}

export interface PullModelResult extends LocalModelFile {
  uri: string;
  /** The model spec to put in the configuration. */
  spec: string;
}

const defaultProbeTimeoutMs = 4000;

/** The URI node-llama-cpp downloads for an alias, `hf:` URI or URL; UsageError for anything else. */
export function resolveModelSource(source: string): string {
  const alias = modelAliases[source];
  if (alias !== undefined) return alias.uri;
  if (/^hf:[^/\s]+\/[^/\s]+/.test(source) || /^https?:\/\/\S+$/.test(source)) return source;
  throw new UsageError(
    `unknown model "${source}": use an alias (${Object.keys(modelAliases).join(', ')}), an hf:<user>/<repo>:<quant> URI, or an https:// URL of a .gguf file`,
    { source },
  );
}

export async function pullModel(options: PullModelOptions): Promise<PullModelResult> {
  const uri = resolveModelSource(options.source);
  const env = options.env ?? process.env;
  const directory = resolve(options.cwd, options.directory ?? modelsDirectoryName);
  const huggingFace = options.huggingFaceEndpoint ?? env.HF_ENDPOINT ?? env.MODEL_ENDPOINT ?? 'https://huggingface.co/';
  const probeUrl = uri.startsWith('hf:') ? huggingFace : new URL(uri).origin;
  await probeReachable(probeUrl, options.probeTimeoutMs ?? defaultProbeTimeoutMs, directory, options.signal);

  await mkdir(directory, { recursive: true });
  const { createModelDownloader } = await import('node-llama-cpp');
  const token = env.HF_TOKEN;
  let path: string;
  try {
    const downloader = await createModelDownloader({
      modelUri: uri,
      dirPath: directory,
      skipExisting: true,
      showCliProgress: false,
      endpoints: { huggingFace },
      ...(token === undefined || token === '' ? {} : { tokens: { huggingFace: token } }),
      ...definedOnly({
        onProgress: mapDefined(options.onProgress, (report) => ({ downloadedSize, totalSize }: { downloadedSize: number; totalSize: number }) => report({ downloadedBytes: downloadedSize, totalBytes: totalSize })),
      }),
    });
    path = await downloader.download(options.signal === undefined ? {} : { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    throw new ModelCallError({
      code: 'model-download-failed',
      message: `could not download ${uri}: ${error instanceof Error ? error.message : String(error)}. ${offlineHint(directory)}`,
      isRetryable: true,
      cause: error,
    });
  }
  await stat(path);
  const described = await describeGgufFile(path);
  return { ...described, uri, spec: `local:${path}` };
}

/** One request with a hard deadline; any answer at all (even a 404) proves the network is there. */
async function probeReachable(url: string, timeoutMs: number, directory: string, signal: AbortSignal | undefined): Promise<void> {
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'HEAD',
      redirect: 'manual',
      signal: signal === undefined ? deadline : AbortSignal.any([signal, deadline]),
    });
    await response.body?.cancel();
  } catch (error) {
    if (signal?.aborted === true) throw error;
    const reason = deadline.aborted ? `no answer within ${timeoutMs} ms` : describeNetworkError(error);
    throw new ModelCallError({
      code: 'model-download-offline',
      message: `cannot reach ${url} (${reason}), so no model can be downloaded. ${offlineHint(directory)}`,
      isRetryable: true,
      cause: error,
    });
  }
}

function offlineHint(directory: string): string {
  return (
    `To use a model without downloading, copy a .gguf file into ${directory} (see \`lamarck model ls\`) ` +
    'or set the model to local:/path/to/model.gguf in your lamarck configuration.'
  );
}

/** fetch() wraps the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}
