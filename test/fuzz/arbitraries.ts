import fc from 'fast-check';

/**
 * Malformed model output for the fuzz suite: fragments of the formats models are asked for (SEARCH/
 * REPLACE blocks, fences, EVOLVE-BLOCK markers, JSON, tool calls) shuffled with noise, then cut at
 * any point; lone surrogates and bytes that are not UTF-8; JSON where code is expected; nested
 * fences; and a few huge replies. Every suite uses a fixed seed, so a failure replays exactly.
 */
export const fuzzSeed = 20_261_202;

const fragments = [
  '<<<<<<< SEARCH',
  '=======',
  '>>>>>>> REPLACE',
  '<<<<<<<SEARCH',
  '>>>>>>> REPLACE extra',
  '```',
  '```python',
  '````',
  '~~~',
  '# EVOLVE-BLOCK-START',
  '# EVOLVE-BLOCK-END',
  '// EVOLVE-BLOCK-START',
  'x = 10',
  'x = 3',
  'y = -4',
  'print(x)',
  'print(x, y)',
  'program.py',
  'other.py',
  '',
  '   ',
  '\t',
  '{"tool": "lookup", "input": {"query": "a"}}',
  '{"tool": "final_answer", "input": "done"}',
  '{"text": "hi", "toolCalls": []}',
  '{"rootCause": "x", "keyInsight": "y", "proposals": [{"op": "add", "kind": "lesson", "name": "be-brief", "content": {"text": "Be brief."}}]}',
  '{"passed": true, "score": 2, "feedback": 1}',
  '{"op": "retire", "kind": "skill", "name": "Bad Name"}',
  '[1, 2, {"a": null}]',
  'null',
  '{',
  '}',
  '"',
  '\\u0000',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '\uDFFF',
  '😀',
];

/** A line: a format fragment or noise. */
const line = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fragments) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) });

/** Lines joined, cut at any point (a reply stopped by the token limit). */
const shuffled = fc
  .tuple(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.nat())
  .map(([lines, newline, cut]) => {
    const text = lines.join(newline);
    return cut % 3 === 0 ? text.slice(0, cut % (text.length + 1)) : text;
  });

/** Bytes that are often not UTF-8, decoded as a client would (replacement characters) or as Latin-1. */
const badBytes = fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.boolean()).map(([bytes, latin]) => Buffer.from(bytes).toString(latin ? 'latin1' : 'utf8'));

/** Fences inside fences, with and without the markers. */
const nestedFences = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom('x = 7', '# EVOLVE-BLOCK-START\nx = 7\n# EVOLVE-BLOCK-END', '<<<<<<< SEARCH\nx = 10\n=======\nx = 7\n>>>>>>> REPLACE'))
  .map(([depth, inner]) => {
    let text: string = inner;
    for (let level = 0; level < depth; level += 1) text = `${level % 2 === 0 ? '```python' : '````'}\n${text}\n${level % 2 === 0 ? '```' : '````'}`;
    return text;
  });

/** A few big replies: a valid-looking edit drowned in repetition (about 30 kB to 300 kB, some over the default reply cap). */
const huge = fc
  .tuple(fc.constantFrom('x = 1 + ', '<<<<<<< SEARCH\nx = 10\n=======\n', '```python\n', '{"a": ['), fc.integer({ min: 4_000, max: 40_000 }))
  .map(([head, count]) => `${head}${'0 + 1,\n'.repeat(count)}`);

/** Any malformed reply: the mix the suite feeds to every parser of model output. */
export const malformedReply: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: shuffled },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 2, arbitrary: badBytes },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 2, arbitrary: nestedFences },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.noShrink(huge) },
);

/**
 * Well-formed SEARCH/REPLACE blocks aimed at a program's own lines (inside its EVOLVE-BLOCKs, outside
 * them, across a marker, or nowhere), so cases reach the matching and the outside-the-blocks check
 * instead of stopping at "no blocks"; some carry a file name line, a fence, or are cut short.
 */
export function searchReplaceReply(programLines: readonly string[]): fc.Arbitrary<string> {
  const block = fc
    .tuple(fc.array(fc.constantFrom(...programLines, 'nothing like this'), { minLength: 1, maxLength: 3 }), fc.array(line, { maxLength: 3 }))
    .map(([search, replace]) => `<<<<<<< SEARCH\n${search.join('\n')}\n=======\n${replace.join('\n')}\n>>>>>>> REPLACE`);
  return fc
    .tuple(fc.array(block, { minLength: 1, maxLength: 3 }), fc.constantFrom('', 'program.py\n', 'other.py\n', 'fixed.py\n'), fc.boolean(), fc.nat())
    .map(([blocks, fileLine, fenced, cut]) => {
      const body = `${fileLine}${blocks.join('\n')}`;
      const text = fenced ? `\`\`\`python\n${body}\n\`\`\`` : body;
      return cut % 4 === 0 ? text.slice(0, cut % (text.length + 1)) : text;
    });
}

/** A value from a JSON document of any shape, for configuration and manifest fuzzing. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.anything({ maxDepth: 2 }));

/** A valid object with one field replaced (at the top level or one level down) or removed. */
export function mutated(base: Record<string, unknown>, extraKeys: readonly string[] = []): fc.Arbitrary<unknown> {
  const keys = [...Object.keys(base), ...extraKeys, 'unknownField'];
  return fc.tuple(fc.constantFrom(...keys), fc.option(anyJson, { nil: undefined }), fc.option(fc.string({ maxLength: 10 }), { nil: undefined })).map(([key, value, inner]) => {
    const copy: Record<string, unknown> = structuredClone(base);
    const current = copy[key];
    if (inner !== undefined && typeof current === 'object' && current !== null && !Array.isArray(current)) {
      copy[key] = { ...(current as Record<string, unknown>), [inner]: value };
    } else if (value === undefined) {
      delete copy[key];
    } else {
      copy[key] = value;
    }
    return copy;
  });
}
