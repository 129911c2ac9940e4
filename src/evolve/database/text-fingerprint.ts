import { normalizeCode } from './normalize-code.ts';

/**
 * Small text fingerprints: a MinHash signature over token 3-shingles and a content hash. They are
 * what the database keeps in memory instead of a program's code: 32 numbers estimate the Jaccard
 * similarity of two programs (for novelty and the diversity feature), and the content hash finds
 * exact duplicates in O(1).
 */
export const signatureLength = 32;
const shingleSize = 3;

export interface TextFingerprint {
  /** MinHash values, one per hash function. */
  signature: Uint32Array;
  /** A 52-bit hash of the text with comments and whitespace normalised (see normalize-code.ts), so
   * duplicates that differ only there are found in O(1); confirm on a match. */
  contentHash: number;
  /** Characters in the text (the code-length feature). */
  length: number;
}

const seeds = (() => {
  const values = new Uint32Array(signatureLength);
  let state = 0x2545f491;
  for (let index = 0; index < signatureLength; index += 1) {
    state = mix(state + 0x9e3779b9);
    values[index] = state;
  }
  return values;
})();

/** The text of a program as the fingerprint sees it: every file, in path order. */
export function programText(files: Record<string, string>, only?: readonly string[]): string {
  const paths = (only ?? Object.keys(files)).filter((path) => files[path] !== undefined).sort();
  if (paths.length === 1) return files[paths[0]!]!;
  return paths.map((path) => `// ${path}\n${files[path]!}`).join('\n');
}

export function fingerprintText(text: string): TextFingerprint {
  const signature = new Uint32Array(signatureLength).fill(0xffffffff);
  for (const shingle of shingleHashes(text)) {
    for (let index = 0; index < signatureLength; index += 1) {
      const value = mix(shingle ^ seeds[index]!);
      if (value < signature[index]!) signature[index] = value;
    }
  }
  return { signature, contentHash: contentHash(normalizeCode(text)), length: text.length };
}

// mh2: the content hash is of the normalised text. An mh1 fingerprint (raw-text hash) decodes as
// unknown, so a resumed older run re-hashes that program's code instead of trusting a stale hash.
const encodingPrefix = 'mh2';

/**
 * The fingerprint as stored with a program record (`mh1:<length>:<content hash>:<signature>`), so
 * a resumed run rebuilds its database from record summaries without reading or re-hashing code.
 */
export function encodeFingerprint(fingerprint: TextFingerprint): string {
  const bytes = Buffer.alloc(signatureLength * 4);
  for (let index = 0; index < signatureLength; index += 1) bytes.writeUInt32LE(fingerprint.signature[index] ?? 0, index * 4);
  return `${encodingPrefix}:${fingerprint.length}:${fingerprint.contentHash.toString(36)}:${bytes.toString('base64')}`;
}

/** The stored fingerprint, or undefined for a missing, foreign or damaged one (the caller hashes the code). */
export function decodeFingerprint(encoded: string | null | undefined): TextFingerprint | undefined {
  if (typeof encoded !== 'string') return undefined;
  const parts = encoded.split(':');
  if (parts.length !== 4 || parts[0] !== encodingPrefix) return undefined;
  const length = Number(parts[1]);
  const hash = Number.parseInt(parts[2]!, 36);
  const bytes = Buffer.from(parts[3]!, 'base64');
  if (!Number.isSafeInteger(length) || length < 0 || !Number.isSafeInteger(hash) || bytes.length !== signatureLength * 4) return undefined;
  const signature = new Uint32Array(signatureLength);
  for (let index = 0; index < signatureLength; index += 1) signature[index] = bytes.readUInt32LE(index * 4);
  return { signature, contentHash: hash, length };
}

/** Estimated Jaccard similarity of two signatures: the fraction of equal MinHash values. */
export function estimateSimilarity(first: Uint32Array, second: Uint32Array): number {
  let equal = 0;
  for (let index = 0; index < signatureLength; index += 1) if (first[index] === second[index]) equal += 1;
  return equal / signatureLength;
}

/** Exact Jaccard similarity of the two texts' shingle sets (used to confirm an estimate). */
export function exactSimilarity(first: string, second: string): number {
  if (first === second) return 1;
  const left = shingleHashes(first);
  const right = shingleHashes(second);
  if (left.size === 0 && right.size === 0) return 1;
  let shared = 0;
  for (const value of left) if (right.has(value)) shared += 1;
  return shared / (left.size + right.size - shared);
}

/** Hashes of the token 3-shingles; texts shorter than a shingle hash their tokens together. */
function shingleHashes(text: string): Set<number> {
  const tokens = text.match(/[A-Za-z_$][\w$]*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[^\s\w]/g) ?? [];
  const hashes = tokens.map((token) => stringHash(token, 0x811c9dc5));
  const result = new Set<number>();
  if (hashes.length < shingleSize) {
    let combined = 0x1234567;
    for (const hash of hashes) combined = mix(combined ^ hash);
    if (hashes.length > 0) result.add(combined);
    return result;
  }
  for (let index = 0; index + shingleSize <= hashes.length; index += 1) {
    let combined = hashes[index]!;
    for (let offset = 1; offset < shingleSize; offset += 1) combined = mix(combined ^ Math.imul(hashes[index + offset]!, 0x01000193 + offset));
    result.add(combined >>> 0);
  }
  return result;
}

function contentHash(text: string): number {
  const high = stringHash(text, 0x811c9dc5) & 0x1fffff;
  const low = stringHash(text, 0x050c5d1f);
  return high * 0x100000000 + low;
}

function stringHash(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return mix(hash);
}

function mix(input: number): number {
  let value = input >>> 0;
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b) >>> 0;
  value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35) >>> 0;
  return (value ^ (value >>> 16)) >>> 0;
}
