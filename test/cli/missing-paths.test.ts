import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

/**
 * Every command that takes a path answers a missing folder or file with one line that names it
 * (issue #16: `skills import .claude/skills`, the README's own example, printed a raw ENOENT), and
 * does so before any work: no model call, no store created from a mistyped name.
 */
interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function lamarck(cwd: string, ...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const streams = {
    stdout: { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (text: string) => ((stderr += text), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await main(argv, { cwd, env: {}, streams });
  return { code, stdout, stderr };
}

describe('a missing path is one line that names it', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'lamarck-missing-paths-'));
  });

  afterEach(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  const cases: { argv: string[]; line: (cwd: string) => string }[] = [
    { argv: ['skills', 'import', '.claude/skills'], line: (root) => `error: skills folder not found: ${join(root, '.claude/skills')}` },
    { argv: ['evolve', 'no-such-problem', '--iterations', '1'], line: (root) => `error: problem folder not found: ${join(root, 'no-such-problem')}` },
    { argv: ['learn', 'no-such-tasks.jsonl', '--model', 'openai:gpt-5-mini'], line: (root) => `error: task file not found: ${join(root, 'no-such-tasks.jsonl')}` },
    { argv: ['tools', 'run', 'no-such-tool'], line: (root) => `error: tool folder not found: ${join(root, 'no-such-tool')}` },
    { argv: ['tools', 'check', 'no-such-tool'], line: (root) => `error: tool folder not found: ${join(root, 'no-such-tool')}` },
    // A model without a key would fail too: the folder is checked first, so its message is the one shown.
    { argv: ['run', 'say hi', '--workspace', 'no-such-workspace', '--model', 'openai:gpt-5-mini'], line: (root) => `error: --workspace folder not found: ${join(root, 'no-such-workspace')}` },
    { argv: ['run', 'say hi', '--tools', 'no-such-tools', '--model', 'openai:gpt-5-mini'], line: (root) => `error: --tools folder not found: ${join(root, 'no-such-tools')}` },
    { argv: ['store', 'copy', 'no-such.db', 'copy.db'], line: (root) => `error: source store not found: ${join(root, 'no-such.db')}` },
  ];

  for (const { argv, line } of cases) {
    it(`lamarck ${argv.join(' ')}`, async () => {
      const result = await lamarck(cwd, ...argv);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`${line(cwd)}\n`);
      expect(result.stdout).toBe('');
    });
  }

  it('store copy creates neither the missing source nor the destination', async () => {
    await lamarck(cwd, 'store', 'copy', 'no-such.db', 'copy.db');
    expect(existsSync(join(cwd, 'no-such.db'))).toBe(false);
    expect(existsSync(join(cwd, 'copy.db'))).toBe(false);
  });

  it('tools run names a missing --grant-files folder instead of running the tool without it', async () => {
    const tool = join(cwd, 'tool');
    mkdirSync(tool);
    writeFileSync(join(tool, 'tool.json'), JSON.stringify({ name: 'reader', description: 'reads', capabilities: { files: ['read'] } }));
    writeFileSync(join(tool, 'index.js'), 'export default () => 1;');
    const result = await lamarck(cwd, 'tools', 'run', 'tool', '--grant-files', 'no-such-folder');
    expect(result.stderr).toBe(`error: --grant-files folder not found: ${join(cwd, 'no-such-folder')}\n`);
    expect(result.code).toBe(1);
  });

  it('learn refuses an export into a missing folder before the run, not after it', async () => {
    writeFileSync(join(cwd, 'tasks.jsonl'), '{"id": "t1", "prompt": "Say hi."}\n');
    const sft = await lamarck(cwd, 'learn', 'tasks.jsonl', '--model', 'openai:gpt-5-mini', '--export-sft', 'out/sft.jsonl');
    expect(sft.stderr).toBe(`error: --export-sft folder not found: ${join(cwd, 'out')}\n`);
    const pairs = await lamarck(cwd, 'learn', 'tasks.jsonl', '--model', 'openai:gpt-5-mini', '--export-pairs', 'out/pairs.jsonl');
    expect(pairs.stderr).toBe(`error: --export-pairs folder not found: ${join(cwd, 'out')}\n`);
  });

  it('learn names the configured safety-probe file that is not there', async () => {
    writeFileSync(join(cwd, 'tasks.jsonl'), '{"id": "t1", "prompt": "Say hi."}\n');
    writeFileSync(join(cwd, 'lamarck.config.json'), JSON.stringify({ learn: { gate: { probes: 'probes.jsonl' } } }));
    const result = await lamarck(cwd, 'learn', 'tasks.jsonl', '--model', 'openai:gpt-5-mini');
    expect(result.stderr).toBe(`error: learn.gate.probes file not found: ${join(cwd, 'probes.jsonl')}\n`);
    expect(result.code).toBe(1);
  });

  it('a file where a folder is expected, and a folder where a file is, are named as such', async () => {
    writeFileSync(join(cwd, 'tasks.jsonl'), '{"id": "t1", "prompt": "Say hi."}\n');
    mkdirSync(join(cwd, 'folder'));
    const evolveFile = await lamarck(cwd, 'evolve', 'tasks.jsonl');
    expect(evolveFile.stderr).toBe(`error: problem folder: ${join(cwd, 'tasks.jsonl')} is a file, not a folder\n`);
    const learnFolder = await lamarck(cwd, 'learn', 'folder', '--model', 'openai:gpt-5-mini');
    expect(learnFolder.stderr).toBe(`error: task file: ${join(cwd, 'folder')} is a folder, not a file\n`);
  });
});
