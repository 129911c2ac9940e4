import type { Placement } from './program-entry.ts';
import { signatureLength, type TextFingerprint } from './text-fingerprint.ts';

/**
 * Locality-sensitive hashing over MinHash signatures (4 bands of 8 rows), so "which programs on
 * this island look like this child" costs a few map lookups instead of a scan of the island.
 * Pairs with Jaccard similarity 0.9 share a band with probability about 0.8, at 0.95 about 0.99.
 * Exact duplicates are found through the content hash.
 */
const bands = 4;
const rows = signatureLength / bands;

type Bucket = Placement | Placement[];

export class SimilarityIndex {
  private readonly buckets = new Map<number, Bucket>();
  private readonly byContent = new Map<number, Bucket>();

  add(placement: Placement): void {
    const fingerprint = placement.info.fingerprint;
    for (let band = 0; band < bands; band += 1) addTo(this.buckets, bandKey(fingerprint, band), placement);
    addTo(this.byContent, fingerprint.contentHash, placement);
  }

  remove(placement: Placement): void {
    const fingerprint = placement.info.fingerprint;
    for (let band = 0; band < bands; band += 1) removeFrom(this.buckets, bandKey(fingerprint, band), placement);
    removeFrom(this.byContent, fingerprint.contentHash, placement);
  }

  /**
   * Placements that share at least one band with the fingerprint (deduplicated). A crowded
   * bucket (a family of near-identical programs) contributes only its newest `perBucket`
   * members, so the cost stays bounded however large the island grows.
   */
  candidates(fingerprint: TextFingerprint, perBucket = 128): Placement[] {
    const found = new Map<number, Placement>();
    for (let band = 0; band < bands; band += 1) {
      const bucket = this.buckets.get(bandKey(fingerprint, band));
      if (bucket === undefined) continue;
      if (!Array.isArray(bucket)) {
        found.set(bucket.key, bucket);
        continue;
      }
      for (let index = bucket.length - 1; index >= Math.max(0, bucket.length - perBucket); index -= 1) found.set(bucket[index]!.key, bucket[index]!);
    }
    return [...found.values()];
  }

  /** Placements whose whole text hashes the same (confirm against the code before concluding). */
  sameContent(contentHash: number): Placement[] {
    const bucket = this.byContent.get(contentHash);
    if (bucket === undefined) return [];
    return Array.isArray(bucket) ? [...bucket] : [bucket];
  }
}

function bandKey(fingerprint: TextFingerprint, band: number): number {
  let hash = 0x811c9dc5 ^ band;
  for (let row = band * rows; row < (band + 1) * rows; row += 1) {
    hash = Math.imul(hash ^ fingerprint.signature[row]!, 0x01000193) >>> 0;
    hash = (hash ^ (hash >>> 15)) >>> 0;
  }
  // Band number in the high bits keeps bands apart in one map.
  return band * 0x100000000 + hash;
}

function addTo(map: Map<number, Bucket>, key: number, placement: Placement): void {
  const bucket = map.get(key);
  if (bucket === undefined) map.set(key, placement);
  else if (Array.isArray(bucket)) bucket.push(placement);
  else map.set(key, [bucket, placement]);
}

function removeFrom(map: Map<number, Bucket>, key: number, placement: Placement): void {
  const bucket = map.get(key);
  if (bucket === undefined) return;
  if (!Array.isArray(bucket)) {
    if (bucket.key === placement.key) map.delete(key);
    return;
  }
  const index = bucket.findIndex((item) => item.key === placement.key);
  if (index < 0) return;
  bucket[index] = bucket[bucket.length - 1]!;
  bucket.pop();
  if (bucket.length === 1) map.set(key, bucket[0]!);
}
