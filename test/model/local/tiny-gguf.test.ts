import { describe, expect, it } from 'vitest';
import { buildTinyGguf } from '../../support/tiny-gguf.ts';

describe('buildTinyGguf', () => {
  it('writes a GGUF v3 header and the same bytes for the same seed', () => {
    const first = buildTinyGguf({ seed: 5 });
    const view = new DataView(first.bytes.buffer, first.bytes.byteOffset, first.bytes.byteLength);
    expect(new TextDecoder().decode(first.bytes.subarray(0, 4))).toBe('GGUF');
    expect(view.getUint32(4, true)).toBe(3);
    expect(Number(view.getBigUint64(8, true))).toBe(first.tensorCount);
    expect(first.bytes.byteLength % 32).toBe(0);
    expect(Buffer.compare(Buffer.from(buildTinyGguf({ seed: 5 }).bytes), Buffer.from(first.bytes))).toBe(0);
    expect(Buffer.compare(Buffer.from(buildTinyGguf({ seed: 6 }).bytes), Buffer.from(first.bytes))).not.toBe(0);
  });

  it('sizes the vocabulary and tensors from its options', () => {
    const ascii = buildTinyGguf({ blockCount: 1 });
    const full = buildTinyGguf({ blockCount: 1, byteTokens: 'all' });
    expect(ascii.vocabularySize).toBe(4 + 128);
    expect(full.vocabularySize).toBe(4 + 256);
    expect(ascii.tensorCount).toBe(3 + 9);
    expect(() => buildTinyGguf({ embeddingLength: 30, headCount: 4 })).toThrow(RangeError);
  });
});
