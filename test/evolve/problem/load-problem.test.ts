import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.ts';
import { loadProblem } from '../../../src/evolve/problem/load-problem.ts';

const program = '# fixed\n# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-END\n';
const directories: string[] = [];

function problemDirectory(files: Record<string, string | object>): string {
  const directory = mkdtempSync(join(tmpdir(), 'lamarck-problem-'));
  directories.push(directory);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(directory, path)), { recursive: true });
    writeFileSync(join(directory, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return directory;
}

async function configError(files: Record<string, string | object>): Promise<ConfigError> {
  const error: unknown = await loadProblem(problemDirectory(files)).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('loadProblem', () => {
  it('loads a single-file problem with defaults', async () => {
    const directory = problemDirectory({
      'lamarck.json': { program: 'main.py', evaluator: { command: ['python3', 'evaluator.py'] }, description: 'Find x.' },
      'main.py': program,
    });
    const problem = await loadProblem(directory);
    expect(problem.files).toEqual({ 'main.py': program });
    expect(problem.evolvableFiles).toEqual(['main.py']);
    expect(problem.entryFile).toBe('main.py');
    expect(problem.objective).toBe('maximize');
    expect(problem.evaluator).toEqual({
      kind: 'command',
      command: ['python3', 'evaluator.py'],
      timeoutMs: 60_000,
      memoryLimitMb: 2048,
      maxOutputBytes: 1_000_000,
      cascade: [],
    });
    expect(problem.features.map((feature) => feature.name)).toEqual(['code-length', 'diversity']);
    expect(problem.description).toBe('Find x.');
  });

  it('loads several files, an entry, a cascade, features, file templates and settings', async () => {
    const directory = problemDirectory({
      'lamarck.json': {
        name: 'multi',
        files: ['src/main.js', 'src/tune.js', 'src/fixed.js'],
        entry: 'src/main.js',
        evaluator: {
          module: 'evaluate.ts',
          timeoutSeconds: 2.5,
          cascade: [{ args: ['--quick'], threshold: 0.4, timeoutSeconds: 1 }],
        },
        objective: 'minimize',
        features: [{ name: 'runtime', bins: 5, min: 0, max: 10 }],
        templates: { system: { file: 'prompts/system.md' }, diff: 'inline {{code}}' },
        settings: { islands: 3 },
        description: { file: 'README.md' },
      },
      'src/main.js': '// EVOLVE-BLOCK-START\nconst a = 1;\n// EVOLVE-BLOCK-END\n',
      'src/tune.js': '/* EVOLVE-BLOCK-START */\nconst b = 2;\n/* EVOLVE-BLOCK-END */\n',
      'src/fixed.js': 'export const c = 3;\n',
      'evaluate.ts': 'export function evaluate() { return { combined_score: 1 }; }\n',
      'prompts/system.md': 'You are careful.',
      'README.md': 'Multi-file.',
    });
    const problem = await loadProblem(directory);
    expect(problem.name).toBe('multi');
    expect(problem.evolvableFiles).toEqual(['src/main.js', 'src/tune.js']);
    expect(Object.keys(problem.files)).toEqual(['src/main.js', 'src/tune.js', 'src/fixed.js']);
    expect(problem.evaluator.kind).toBe('module');
    expect(problem.evaluator.modulePath).toBe('evaluate.ts');
    expect(problem.evaluator.timeoutMs).toBe(2500);
    expect(problem.evaluator.cascade).toEqual([{ args: ['--quick'], threshold: 0.4, timeoutMs: 1000 }]);
    expect(problem.objective).toBe('minimize');
    expect(problem.features).toEqual([{ name: 'runtime', bins: 5, min: 0, max: 10 }]);
    expect(problem.templates).toEqual({ system: 'You are careful.', diff: 'inline {{code}}' });
    expect(problem.settings).toEqual({ islands: 3 });
    expect(problem.description).toBe('Multi-file.');
  });

  it('loads lamarck.ts with a default export', async () => {
    const directory = problemDirectory({
      'lamarck.ts': "const config: { program: string; evaluator: { command: string[] } } = { program: 'main.py', evaluator: { command: ['python3', 'e.py'] } };\nexport default config;\n",
      'main.py': program,
    });
    const problem = await loadProblem(directory);
    expect(problem.evaluator.command).toEqual(['python3', 'e.py']);
  });

  it('names the offending field in every config error', async () => {
    const base = { program: 'main.py', evaluator: { command: ['python3', 'e.py'] } };
    const cases: [object, RegExp][] = [
      [{ ...base, evaluator: { command: ['x'], timeoutSeconds: -1 } }, /^lamarck.json: evaluator.timeoutSeconds: expected a positive number, got -1$/],
      [{ ...base, evaluator: { command: ['x'], timeoutSeconds: 'soon' } }, /^lamarck.json: evaluator.timeoutSeconds: expected a positive number, got "soon"$/],
      [{ ...base, evaluator: { command: 'python3 e.py' } }, /^lamarck.json: evaluator.command: expected an array of strings/],
      [{ ...base, evaluator: {} }, /^lamarck.json: evaluator: give exactly one of "command"/],
      [{ ...base, objective: 'max' }, /^lamarck.json: objective: expected "maximize" or "minimize", got "max"$/],
      [{ ...base, features: [{ name: 'x', bins: 2.5 }] }, /^lamarck.json: features.0.bins: expected a positive integer, got 2.5$/],
      [{ ...base, evaluatr: {} }, /^lamarck.json: evaluatr: unknown key \(allowed: name, description, program, files, entry, evaluator, agent, objective, features, templates, settings\)$/],
      [{ program: 'main.py' }, /^lamarck.json: \(root\): give exactly one of "evaluator" \(a command or module that scores the program\) or "agent"/],
      [{ ...base, agent: { tasks: 'tasks.jsonl' } }, /^lamarck.json: \(root\): give exactly one of "evaluator" .* or "agent"/],
      [{ program: 'main.py', agent: 'tasks.jsonl' }, /^lamarck.json: agent: expected an object \(the agent problem section\)/],
      [{ evaluator: base.evaluator }, /^lamarck.json: \(root\): give exactly one of "program"/],
      [{ ...base, program: '../outside.py' }, /^lamarck.json: program: expected a path inside the problem directory/],
      [{ ...base, evaluator: { command: ['x'], cascade: [{ args: [] }] } }, /^lamarck.json: evaluator.cascade.0.threshold: required$/],
      [{ ...base, features: [{ name: 'x', bins: 2, min: 3, max: 1 }] }, /^lamarck.json: features.0.max: expected max to be greater than min$/],
      [{ ...base, entry: 'other.py' }, /^lamarck.json: entry: other.py is not one of the program files/],
      [{ ...base, templates: { sytem: 'x' } }, /^lamarck.json: templates.sytem: unknown template; expected one of system, diff, rewrite/],
    ];
    for (const [config, pattern] of cases) {
      const error = await configError({ 'lamarck.json': config, 'main.py': program });
      expect(error.message).toMatch(pattern);
    }
  });

  it('rejects invalid JSON, a missing program file, missing and unbalanced markers', async () => {
    expect((await configError({ 'lamarck.json': '{ "program": ' })).message).toMatch(/^lamarck.json: \(file\): not valid JSON/);
    const base = { program: 'main.py', evaluator: { command: ['python3', 'e.py'] } };
    expect((await configError({ 'lamarck.json': base })).message).toMatch(/program: cannot read main.py/);
    expect((await configError({ 'lamarck.json': base, 'main.py': 'x = 1\n' })).message).toMatch(
      /program: no EVOLVE-BLOCK-START \/ EVOLVE-BLOCK-END markers in main.py/,
    );
    expect((await configError({ 'lamarck.json': base, 'main.py': '# EVOLVE-BLOCK-START\nx = 1\n' })).message).toMatch(
      /program: main.py:1: EVOLVE-BLOCK-START is never closed/,
    );
    expect((await configError({ 'lamarck.json': base, 'main.py': 'x = 1\n# EVOLVE-BLOCK-END\n' })).message).toMatch(
      /main.py:2: EVOLVE-BLOCK-END without a matching EVOLVE-BLOCK-START/,
    );
    const multi = { files: ['a.py', 'b.py'], evaluator: base.evaluator };
    expect((await configError({ 'lamarck.json': multi, 'a.py': 'x\n', 'b.py': '# EVOLVE-BLOCK-START\n# EVOLVE-BLOCK-START\n' })).message).toMatch(
      /files.1: b.py:2: EVOLVE-BLOCK-START inside the block opened at line 1/,
    );
    expect((await configError({ 'lamarck.json': { ...base, evaluator: { module: 'nope.ts' } }, 'main.py': program })).message).toMatch(
      /evaluator.module: cannot find nope.ts/,
    );
  });
});
