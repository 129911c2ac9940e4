import { writeFile } from 'node:fs/promises';
import { Random } from '../../src/core/random.ts';

/**
 * Writes a tiny llama-architecture GGUF (format v3) with random F32 weights and a byte-level
 * vocabulary, so tests can load a real model through node-llama-cpp without downloading one.
 * The output is gibberish, but every code path (load, tokenize, sample, grammar) is the real one.
 */
export interface TinyGgufOptions {
  seed?: number;
  embeddingLength?: number;
  blockCount?: number;
  headCount?: number;
  headCountKv?: number;
  feedForwardLength?: number;
  contextLength?: number;
  /** Weights are drawn uniformly from [-scale, scale]. */
  weightScale?: number;
  /**
   * `ascii` (the default) has byte tokens for 0x00-0x7F only, so whatever the random model samples
   * is valid UTF-8; `all` has all 256, as real SentencePiece models do, and can emit broken UTF-8.
   */
  byteTokens?: 'ascii' | 'all';
}

export interface TinyGgufInfo {
  path: string;
  bytes: number;
  vocabularySize: number;
  tensorCount: number;
}

// GGUF metadata value types (gguf.h): only the ones this writer emits.
const valueType = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;
const tensorTypeF32 = 0;
const alignment = 32;

// llama.cpp token types: 1 normal, 2 unknown, 3 control, 6 byte.
const tokenTypeNormal = 1;
const tokenTypeUnknown = 2;
const tokenTypeControl = 3;
const tokenTypeByte = 6;

type MetadataValue =
  | { type: 'uint32' | 'int32' | 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array-string'; value: readonly string[] }
  | { type: 'array-float32'; value: readonly number[] }
  | { type: 'array-int32'; value: readonly number[] };

interface TensorSpec {
  name: string;
  /** GGUF order: the first dimension is the contiguous one (ggml's ne[0]). */
  dimensions: number[];
  /** Norm weights start at 1 so activations keep a sane scale. */
  fill: 'random' | 'ones';
}

export async function writeTinyGguf(path: string, options: TinyGgufOptions = {}): Promise<TinyGgufInfo> {
  const built = buildTinyGguf(options);
  await writeFile(path, built.bytes);
  return { path, bytes: built.bytes.byteLength, vocabularySize: built.vocabularySize, tensorCount: built.tensorCount };
}

export function buildTinyGguf(options: TinyGgufOptions = {}): {
  bytes: Uint8Array;
  vocabularySize: number;
  tensorCount: number;
} {
  const embedding = options.embeddingLength ?? 64;
  const blocks = options.blockCount ?? 2;
  const heads = options.headCount ?? 4;
  const headsKv = options.headCountKv ?? 2;
  const feedForward = options.feedForwardLength ?? 128;
  const contextLength = options.contextLength ?? 2048;
  const scale = options.weightScale ?? 0.5;
  if (embedding % heads !== 0 || heads % headsKv !== 0) {
    throw new RangeError('embeddingLength must divide by headCount, and headCount by headCountKv');
  }
  const headDimension = embedding / heads;

  const vocabulary = byteLevelVocabulary(options.byteTokens === 'all' ? 256 : 128);
  const metadata: [string, MetadataValue][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: 'lamarck-tiny-test' }],
    ['general.alignment', { type: 'uint32', value: alignment }],
    ['general.file_type', { type: 'uint32', value: 0 }],
    ['llama.context_length', { type: 'uint32', value: contextLength }],
    ['llama.embedding_length', { type: 'uint32', value: embedding }],
    ['llama.block_count', { type: 'uint32', value: blocks }],
    ['llama.feed_forward_length', { type: 'uint32', value: feedForward }],
    ['llama.attention.head_count', { type: 'uint32', value: heads }],
    ['llama.attention.head_count_kv', { type: 'uint32', value: headsKv }],
    ['llama.rope.dimension_count', { type: 'uint32', value: headDimension }],
    ['llama.rope.freq_base', { type: 'float32', value: 10000 }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'float32', value: 1e-5 }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'array-string', value: vocabulary.tokens }],
    ['tokenizer.ggml.scores', { type: 'array-float32', value: vocabulary.scores }],
    ['tokenizer.ggml.token_type', { type: 'array-int32', value: vocabulary.types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'uint32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: false }],
  ];

  const vocabularySize = vocabulary.tokens.length;
  const kvWidth = headDimension * headsKv;
  const tensors: TensorSpec[] = [
    { name: 'token_embd.weight', dimensions: [embedding, vocabularySize], fill: 'random' },
    { name: 'output_norm.weight', dimensions: [embedding], fill: 'ones' },
    { name: 'output.weight', dimensions: [embedding, vocabularySize], fill: 'random' },
  ];
  for (let block = 0; block < blocks; block += 1) {
    const prefix = `blk.${block}`;
    tensors.push(
      { name: `${prefix}.attn_norm.weight`, dimensions: [embedding], fill: 'ones' },
      { name: `${prefix}.attn_q.weight`, dimensions: [embedding, embedding], fill: 'random' },
      { name: `${prefix}.attn_k.weight`, dimensions: [embedding, kvWidth], fill: 'random' },
      { name: `${prefix}.attn_v.weight`, dimensions: [embedding, kvWidth], fill: 'random' },
      { name: `${prefix}.attn_output.weight`, dimensions: [embedding, embedding], fill: 'random' },
      { name: `${prefix}.ffn_norm.weight`, dimensions: [embedding], fill: 'ones' },
      { name: `${prefix}.ffn_gate.weight`, dimensions: [embedding, feedForward], fill: 'random' },
      { name: `${prefix}.ffn_up.weight`, dimensions: [embedding, feedForward], fill: 'random' },
      { name: `${prefix}.ffn_down.weight`, dimensions: [feedForward, embedding], fill: 'random' },
    );
  }

  const writer = new ByteWriter();
  writer.raw(new TextEncoder().encode('GGUF'));
  writer.uint32(3);
  writer.uint64(tensors.length);
  writer.uint64(metadata.length);
  for (const [key, value] of metadata) writeMetadata(writer, key, value);

  // Tensor infos carry offsets relative to the (aligned) start of the data section.
  let offset = 0;
  const offsets: number[] = [];
  for (const tensor of tensors) {
    writer.string(tensor.name);
    writer.uint32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) writer.uint64(dimension);
    writer.uint32(tensorTypeF32);
    writer.uint64(offset);
    offsets.push(offset);
    offset = alignUp(offset + elementCount(tensor) * 4, alignment);
  }
  writer.padTo(alignment);

  const random = new Random(options.seed ?? 1);
  for (const [index, tensor] of tensors.entries()) {
    const values = new Float32Array(elementCount(tensor));
    if (tensor.fill === 'ones') values.fill(1);
    else for (let at = 0; at < values.length; at += 1) values[at] = (random.next() * 2 - 1) * scale;
    writer.raw(new Uint8Array(values.buffer));
    const next = index + 1 < tensors.length ? offsets[index + 1]! : offset;
    writer.zeros(next - (offsets[index]! + values.byteLength));
  }
  return { bytes: writer.finish(), vocabularySize, tensorCount: tensors.length };
}

/**
 * `<unk>`, `<s>`, `</s>`, the SentencePiece space `▁` (so spaces detokenize back to spaces), then
 * one token per byte written `<0xNN>`, which is how SentencePiece's byte fallback names them.
 * Bytes without a token (non-ASCII, in the `ascii` vocabulary) tokenize to `<unk>`.
 */
function byteLevelVocabulary(byteCount: number): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>', '\u2581'];
  const types = [tokenTypeUnknown, tokenTypeControl, tokenTypeControl, tokenTypeNormal];
  for (let byte = 0; byte < byteCount; byte += 1) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(tokenTypeByte);
  }
  return { tokens, scores: tokens.map(() => 0), types };
}

function writeMetadata(writer: ByteWriter, key: string, entry: MetadataValue): void {
  writer.string(key);
  switch (entry.type) {
    case 'uint32':
      writer.uint32(valueType.uint32);
      writer.uint32(entry.value);
      return;
    case 'int32':
      writer.uint32(valueType.int32);
      writer.int32(entry.value);
      return;
    case 'float32':
      writer.uint32(valueType.float32);
      writer.float32(entry.value);
      return;
    case 'bool':
      writer.uint32(valueType.bool);
      writer.raw(Uint8Array.of(entry.value ? 1 : 0));
      return;
    case 'string':
      writer.uint32(valueType.string);
      writer.string(entry.value);
      return;
    case 'array-string':
      writer.uint32(valueType.array);
      writer.uint32(valueType.string);
      writer.uint64(entry.value.length);
      for (const item of entry.value) writer.string(item);
      return;
    case 'array-float32':
      writer.uint32(valueType.array);
      writer.uint32(valueType.float32);
      writer.uint64(entry.value.length);
      for (const item of entry.value) writer.float32(item);
      return;
    case 'array-int32':
      writer.uint32(valueType.array);
      writer.uint32(valueType.int32);
      writer.uint64(entry.value.length);
      for (const item of entry.value) writer.int32(item);
      return;
  }
}

function elementCount(tensor: TensorSpec): number {
  return tensor.dimensions.reduce((product, dimension) => product * dimension, 1);
}

function alignUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** Little-endian writer that grows as needed. */
class ByteWriter {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.byteLength);
    this.buffer.set(bytes, this.length);
    this.length += bytes.byteLength;
  }

  zeros(count: number): void {
    this.reserve(count);
    this.length += count;
  }

  padTo(to: number): void {
    this.zeros(alignUp(this.length, to) - this.length);
  }

  uint32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  int32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  float32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  uint64(value: number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
  }

  string(value: string): void {
    const bytes = new TextEncoder().encode(value);
    this.uint64(bytes.byteLength);
    this.raw(bytes);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(count: number): void {
    if (this.length + count <= this.buffer.byteLength) return;
    let size = this.buffer.byteLength;
    while (size < this.length + count) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}
