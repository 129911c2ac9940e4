import { describe, expect, it } from 'vitest';
import { normalizeCode } from '../../../src/evolve/database/normalize-code.ts';
import { fingerprintText } from '../../../src/evolve/database/text-fingerprint.ts';

describe('normalizeCode', () => {
  it('drops comments, blank lines and inner whitespace in Python and JavaScript, keeping indentation', () => {
    const python = 'def f(x):\n    # double it\n    return  x * 2   # fast\n\n';
    expect(normalizeCode(python)).toBe('def f(x):\n    return x * 2');
    const javascript = '/* header\n   spans lines */\nfunction f(x) {\n  return x /* inline */ * 2; // done\n}\n';
    expect(normalizeCode(javascript)).toBe('function f(x) {\n  return x * 2;\n}');
  });

  it('keeps comment markers inside string literals and indentation that is syntax', () => {
    expect(normalizeCode('url = "http://a#b"  # note')).toBe('url = "http://a#b"');
    expect(normalizeCode("s = '# not a comment'")).toBe("s = '# not a comment'");
    expect(normalizeCode('if a:\n    b()\nc()')).not.toBe(normalizeCode('if a:\n    b()\n    c()'));
  });

  it('gives programs that differ only in comments and whitespace one content hash', () => {
    const first = fingerprintText('x = 1\n# tuned\ny = x + 2\n');
    const second = fingerprintText('x = 1\n\ny  =  x + 2   // same\n');
    expect(first.contentHash).toBe(second.contentHash);
    expect(fingerprintText('x = 1\ny = x + 3\n').contentHash).not.toBe(first.contentHash);
  });
});
