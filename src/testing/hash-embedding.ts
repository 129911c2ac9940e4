import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import { createEmbeddingClient } from '../model/embedding-client.ts';
import type { EmbeddingClient } from '../model/types.ts';

/**
 * Deterministic embeddings for tests and model-free runs: a bag of lower-cased words, each hashed
 * (FNV-1a) to a dimension and a sign, then L2-normalised. Texts sharing words are close in cosine
 * similarity; no model, no network. It runs through the real embedding client.
 */
export function createHashEmbeddingModel(options: { dimensions?: number; spec?: string } = {}): EmbeddingClient & {
  readonly dimensions: number;
  readonly embeddingModel: EmbeddingModelV4;
} {
  const dimensions = options.dimensions ?? 256;
  const spec = options.spec ?? 'scripted:hash-embedding';
  const embeddingModel: EmbeddingModelV4 = {
    specificationVersion: 'v4',
    provider: 'scripted',
    modelId: 'hash-embedding',
    maxEmbeddingsPerCall: undefined,
    supportsParallelCalls: true,
    doEmbed({ values }) {
      let tokens = 0;
      const embeddings = values.map((value) => {
        const words = tokenize(value);
        tokens += words.length;
        return hashVector(words, dimensions);
      });
      return Promise.resolve({ embeddings, usage: { tokens }, warnings: [] });
    },
  };
  const client = createEmbeddingClient(embeddingModel, { spec, pricing: { inputPerMillion: 0, outputPerMillion: 0 } });
  return Object.assign(client, { dimensions, embeddingModel });
}

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

function hashVector(words: readonly string[], dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of words) {
    const hash = fnv1a(word);
    vector[hash % dimensions]! += (hash >>> 31) === 1 ? -1 : 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
