import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspaceTools } from '../../src/agent/tools/workspace-tools.ts';
import type { AgentTool } from '../../src/agent/types.ts';
import { runAgent } from '../../src/agent/run-agent.ts';
import { createScriptedModel } from '../../src/testing/index.ts';

let base: string;
let workspace: string;
let outside: string;
let tools: Map<string, AgentTool>;

const context = { signal: new AbortController().signal, toolCallId: 'call_1' };

beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'lamarck-ws-'));
  workspace = path.join(base, 'workspace');
  outside = path.join(base, 'outside');
  await mkdir(path.join(workspace, 'notes'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(workspace, 'notes', 'a.txt'), 'alpha');
  await writeFile(path.join(outside, 'secret.txt'), 'top secret');
  tools = new Map(createWorkspaceTools(workspace, { writeFiles: true }).map((tool) => [tool.name, tool]));
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function call(name: string, input: Record<string, string>) {
  return tools.get(name)!.execute(input, context);
}

describe('workspace tools', () => {
  it('reads, writes and lists inside the workspace', async () => {
    expect(await call('read_file', { path: 'notes/a.txt' })).toEqual({ content: 'alpha' });
    expect((await call('write_file', { path: 'out/new.txt', content: 'beta' })).isError).toBeUndefined();
    expect(await readFile(path.join(workspace, 'out', 'new.txt'), 'utf8')).toBe('beta');
    const listing = await call('list_files', {});
    expect(listing.content.split('\n')).toEqual(['notes/', 'out/']);
    expect((await call('read_file', { path: 'missing.txt' })).content).toContain('no such file');
  });

  it('refuses paths outside the workspace', async () => {
    for (const requested of ['../outside/secret.txt', path.join(outside, 'secret.txt'), '/etc/passwd', 'notes/../../outside/secret.txt']) {
      const result = await call('read_file', { path: requested });
      expect(result.isError).toBe(true);
      expect(result.content).toContain('outside the workspace');
    }
    const write = await call('write_file', { path: '../outside/planted.txt', content: 'x' });
    expect(write.content).toContain('outside the workspace');
    expect((await call('list_files', { path: '..' })).content).toContain('outside the workspace');
  });

  it('refuses symlinks that lead outside, for reading, writing and listing', async () => {
    await symlink(path.join(outside, 'secret.txt'), path.join(workspace, 'link.txt'));
    await symlink(outside, path.join(workspace, 'linkdir'));
    expect((await call('read_file', { path: 'link.txt' })).content).toContain('outside the workspace');
    expect((await call('read_file', { path: 'linkdir/secret.txt' })).content).toContain('outside the workspace');
    expect((await call('write_file', { path: 'linkdir/planted.txt', content: 'x' })).content).toContain('outside the workspace');
    expect((await call('write_file', { path: 'link.txt', content: 'overwrite' })).content).toContain('outside the workspace');
    expect((await call('list_files', { path: 'linkdir' })).content).toContain('outside the workspace');
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('offers no write_file when writing is not granted', () => {
    const readOnly = createWorkspaceTools(workspace, { writeFiles: false }).map((tool) => tool.name);
    expect(readOnly).toEqual(['read_file', 'list_files']);
  });

  it('lets the agent work on workspace files end to end', async () => {
    const model = createScriptedModel({
      replies: [
        (request) => {
          expect(request.tools).toEqual(expect.arrayContaining(['read_file', 'write_file', 'list_files', 'final_answer']));
          return { toolCalls: [{ name: 'read_file', input: { path: 'notes/a.txt' } }] };
        },
        { toolCalls: [{ name: 'write_file', input: { path: 'notes/b.txt', content: 'ALPHA' } }] },
        { toolCalls: [{ name: 'final_answer', input: { answer: 'copied in upper case' } }] },
      ],
    });
    const result = await runAgent({ task: 'Upper-case notes/a.txt into notes/b.txt', model, workspace }).result;
    model.verify();
    expect(result.answer).toBe('copied in upper case');
    expect(await readFile(path.join(workspace, 'notes', 'b.txt'), 'utf8')).toBe('ALPHA');
  });
});
