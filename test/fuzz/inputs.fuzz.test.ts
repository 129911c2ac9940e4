import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.ts';
import { modelConfig } from '../../src/model/model-config.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { parseProblemConfig } from '../../src/evolve/problem/load-problem.ts';
import { parseTaskStream } from '../../src/learn/task-stream.ts';
import { parseSkillFile } from '../../src/library/skill-format.ts';
import { parseToolManifest } from '../../src/sandbox/tool-manifest.ts';
import { anyJson, fuzzSeed, malformedReply, mutated } from './arbitraries.ts';

/**
 * 1,000 malformed inputs: lamarck.config.json 250, lamarck.json 250, task lines 200, tool
 * manifests 150, SKILL.md 150. Each is accepted or refused with a ConfigError that names the
 * field (SKILL.md: a list of problems), never another exception.
 */
export const inputFuzzCounts = { config: 250, problem: 250, taskLines: 200, toolManifests: 150, skillFiles: 150 };

/** Runs `parse`; a refusal must be a ConfigError with a field and a message. */
function acceptedOrNamed(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.field.length).toBeGreaterThan(0);
    expect(error.message.length).toBeGreaterThan(error.field.length);
  }
}

const validConfig = {
  models: [{ spec: 'openai:gpt-5-mini', weight: 0.8 }, 'anthropic:claude-sonnet-4-5'],
  budget: { maxUsd: 5 },
  retries: { maxAttempts: 2 },
  limits: { maxReplyChars: 1000 },
  prices: { 'openai:gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 } },
  providers: { openai: { baseURL: 'http://127.0.0.1:1/v1' } },
  store: { path: 'lamarck.db' },
};

const validProblem = {
  name: 'fuzz',
  program: 'program.py',
  evaluator: { command: ['python3', 'evaluator.py'], timeoutSeconds: 10 },
  objective: 'maximize',
  features: [{ name: 'code-length', bins: 4 }],
  settings: { islands: 2 },
};

const validManifest = {
  name: 'lookup',
  description: 'looks a word up',
  inputSchema: { type: 'object', properties: { word: { type: 'string' } } },
  capabilities: { network: [], files: ['read'] },
};

const validTask = { id: 't1', prompt: 'Say hello.', verify: { type: 'exact', expected: 'hello' }, split: 'train' };

const skillText = fc
  .tuple(
    fc.constantFrom('---\n', '', '\uFEFF---\n', '---\r\n'),
    fc.oneof(fc.constantFrom('name: fuzz-skill\ndescription: does things\n', 'name: Bad Name\n', 'name: [\n', 'description: 1\n', 'name: a\nname: b\n', 'metadata: {a: {b: c}}\n'), malformedReply),
    fc.constantFrom('---\n', '', '--- \n'),
    malformedReply,
  )
  .map((parts) => parts.join(''));

describe('fuzz: malformed inputs', () => {
  it('feeds 1,000 inputs in all', () => {
    expect(Object.values(inputFuzzCounts).reduce((total, count) => total + count, 0)).toBe(1_000);
  });

  it(`lamarck.config.json (${inputFuzzCounts.config})`, () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: mutated(validConfig, ['timeoutMs', 'embeddingModel', 'model']) }, { weight: 1, arbitrary: anyJson }), (raw) => {
        acceptedOrNamed(() => modelConfig(parseConfig(raw, { source: 'lamarck.config.json' })));
      }),
      { seed: fuzzSeed + 10, numRuns: inputFuzzCounts.config },
    );
  });

  it(`lamarck.json problems (${inputFuzzCounts.problem})`, () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: mutated(validProblem, ['files', 'entry', 'templates', 'description']) }, { weight: 1, arbitrary: anyJson }), (raw) => {
        acceptedOrNamed(() => parseProblemConfig(raw));
      }),
      { seed: fuzzSeed + 11, numRuns: inputFuzzCounts.problem },
    );
  });

  it(`task lines (${inputFuzzCounts.taskLines})`, () => {
    const taskLine = fc.oneof(
      { weight: 3, arbitrary: mutated(validTask, ['tags']).map((value) => JSON.stringify(value) ?? '') },
      { weight: 1, arbitrary: malformedReply.map((text) => text.replace(/\r?\n/g, ' ')) },
      { weight: 1, arbitrary: fc.constantFrom('', '   ', '{"id": "t", "prompt": "   "}', '{"id": "t", "prompt": "x"', '[]', 'null') },
    );
    fc.assert(
      fc.property(fc.array(taskLine, { minLength: 1, maxLength: 5 }), (lines) => {
        acceptedOrNamed(() => {
          for (const task of parseTaskStream(lines.join('\n'))) expect(task.prompt.trim().length).toBeGreaterThan(0);
        });
      }),
      { seed: fuzzSeed + 12, numRuns: inputFuzzCounts.taskLines },
    );
  });

  it(`tool manifests (${inputFuzzCounts.toolManifests})`, () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: mutated(validManifest, ['outputSchema', 'version']) }, { weight: 1, arbitrary: anyJson }), (raw) => {
        acceptedOrNamed(() => parseToolManifest(raw));
      }),
      { seed: fuzzSeed + 13, numRuns: inputFuzzCounts.toolManifests },
    );
  });

  it(`SKILL.md files (${inputFuzzCounts.skillFiles})`, () => {
    fc.assert(
      fc.property(skillText, (text) => {
        const parsed = parseSkillFile(text, 'fuzz-skill');
        if (!parsed.ok) {
          expect(parsed.problems.length).toBeGreaterThan(0);
          for (const problem of parsed.problems) expect(problem.length).toBeGreaterThan(0);
        }
      }),
      { seed: fuzzSeed + 14, numRuns: inputFuzzCounts.skillFiles },
    );
  });
});
