import { describe, expect, it } from 'vitest';
import { OutputCapture } from '../../src/sandbox/output-capture.ts';

describe('OutputCapture', () => {
  it('keeps everything while under the cap', () => {
    const capture = new OutputCapture(4, 4);
    capture.push(Buffer.from('abc'));
    capture.push(Buffer.from('defgh'));
    expect(capture.text()).toBe('abcdefgh');
    expect(capture.truncated).toBe(false);
  });

  it('keeps the head and the tail across many small writes and counts what it dropped', () => {
    const capture = new OutputCapture(5, 5);
    const text = Array.from({ length: 1000 }, (_, index) => String(index % 10)).join('');
    for (const character of text) capture.push(Buffer.from(character));
    expect(capture.totalBytes).toBe(1000);
    expect(capture.truncated).toBe(true);
    expect(capture.text()).toBe(`01234\n[... 990 bytes dropped ...]\n56789`);
  });

  it('handles one write larger than head and tail together', () => {
    const capture = new OutputCapture(3, 3);
    capture.push(Buffer.from('abcdefghijklmnop'));
    expect(capture.text()).toBe('abc\n[... 10 bytes dropped ...]\nnop');
  });
});
