import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMcpServer } from '../../src/agent/mcp-tools.ts';
import { runAgent } from '../../src/agent/run-agent.ts';
import type { AgentEvent } from '../../src/agent/types.ts';
import { createMemoryStore, createScriptedModel } from '../../src/testing/index.ts';
import { startDemoHttpServer, type DemoHttpServer } from '../support/mcp-servers/http-server.ts';

const stdioServer = fileURLToPath(new URL('../support/mcp-servers/stdio-server.ts', import.meta.url));
const stdioConfig = { name: 'demo', command: process.execPath, args: [stdioServer] };

let httpServer: DemoHttpServer | undefined;
afterEach(async () => {
  await httpServer?.close();
  httpServer = undefined;
});

/** Resolves once an event matching `predicate` has been published. */
function waitForEvent(events: AgentEvent[], predicate: (event: AgentEvent) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (events.some(predicate)) resolve();
      else if (Date.now() - started > 10_000) reject(new Error('event did not arrive'));
      else setTimeout(check, 10);
    };
    check();
  });
}

describe('MCP tools', () => {
  it('uses a stdio MCP server and follows its tools/list_changed', async () => {
    const events: AgentEvent[] = [];
    const store = createMemoryStore();
    const model = createScriptedModel({
      replies: [
        (request) => {
          expect(request.tools).toEqual(expect.arrayContaining(['demo__add', 'demo__echo', 'demo__unlock_multiply']));
          expect(request.tools).not.toContain('demo__multiply');
          return { toolCalls: [{ name: 'demo__add', input: { a: 2, b: 3 } }] };
        },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('5');
          return { toolCalls: [{ name: 'demo__unlock_multiply', input: {} }] };
        },
        async () => {
          await waitForEvent(events, (event) => event.type === 'tools-changed');
          return { toolCalls: [{ name: 'demo__multiply', input: { a: 5, b: 7 } }] };
        },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('35');
          expect(request.tools).toContain('demo__multiply');
          return { toolCalls: [{ name: 'final_answer', input: { answer: '35' } }] };
        },
      ],
    });
    const result = await runAgent({
      task: 'Compute (2 + 3) * 7 with the demo tools',
      model,
      store,
      mcpServers: [stdioConfig],
      builtinTools: false,
      onEvent: (event) => events.push(event),
    }).result;
    model.verify();
    expect(result).toMatchObject({ status: 'answered', answer: '35' });
    expect(events.find((event) => event.type === 'tools-changed')).toMatchObject({ source: 'mcp:demo', added: ['demo__multiply'], removed: [] });
    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory!.steps.some((step) => step.type === 'tools-changed')).toBe(true);
    expect(events.some((event) => event.type === 'server-failed')).toBe(false);
    await store.close();
  });

  it('reports a stdio server that dies mid-run and goes on without it', async () => {
    const events: AgentEvent[] = [];
    const store = createMemoryStore();
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'demo__crash', input: {} }] },
        async (request) => {
          await waitForEvent(events, (event) => event.type === 'server-failed');
          expect(request.messages.at(-1)!.text).toContain('failed');
          return { toolCalls: [{ name: 'demo__add', input: { a: 1, b: 1 } }] };
        },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('unknown tool "demo__add"');
          expect(request.tools.some((name) => name.startsWith('demo__'))).toBe(false);
          return { toolCalls: [{ name: 'final_answer', input: { answer: 'the server died' } }] };
        },
      ],
    });
    const result = await runAgent({ task: 't', model, store, mcpServers: [stdioConfig], builtinTools: false, onEvent: (event) => events.push(event) }).result;
    model.verify();
    expect(result).toMatchObject({ status: 'answered', answer: 'the server died' });
    expect(events.filter((event) => event.type === 'server-failed')).toHaveLength(1);
    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory!.steps.find((step) => step.type === 'server-failed')?.data).toMatchObject({ server: 'demo' });
    await store.close();
  });

  it('uses a streamable HTTP MCP server on 127.0.0.1, and survives its death', async () => {
    httpServer = await startDemoHttpServer();
    const events: AgentEvent[] = [];
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'web__echo', input: { text: 'over http' } }] },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('over http');
          return { toolCalls: [{ name: 'web__fail', input: {} }] };
        },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('this tool always fails');
          return { toolCalls: [{ name: 'web__crash', input: {} }] };
        },
        (request) => {
          expect(request.tools.some((name) => name.startsWith('web__'))).toBe(false);
          return { toolCalls: [{ name: 'final_answer', input: { answer: 'done over http' } }] };
        },
      ],
    });
    const result = await runAgent({
      task: 't',
      model,
      mcpServers: [{ name: 'web', url: httpServer.url, timeoutMs: 5_000 }],
      builtinTools: false,
      onEvent: (event) => events.push(event),
    }).result;
    model.verify();
    expect(result).toMatchObject({ status: 'answered', answer: 'done over http' });
    expect(events.filter((event) => event.type === 'server-failed').map((event) => (event as { server: string }).server)).toEqual(['web']);
    const errors = events.filter((event) => event.type === 'tool-finished' && event.isError).map((event) => (event as { name: string }).name);
    expect(errors).toEqual(['web__fail', 'web__crash']);
  });

  it('reports a server that cannot start and runs with the other tools', async () => {
    const events: AgentEvent[] = [];
    const model = createScriptedModel({ replies: ['fine without it'] });
    const result = await runAgent({
      task: 't',
      model,
      mcpServers: [{ name: 'ghost', command: process.execPath, args: ['-e', 'process.exit(1)'], timeoutMs: 5_000 }],
      builtinTools: false,
      onEvent: (event) => events.push(event),
    }).result;
    expect(result.answer).toBe('fine without it');
    expect(events.find((event) => event.type === 'server-failed')).toMatchObject({ server: 'ghost' });
  });
});

describe('connectMcpServer failures', () => {
  const brokenServer = fileURLToPath(new URL('../support/mcp-servers/broken-list-server.ts', import.meta.url));

  it('ends a stdio server that finished the handshake but failed to list its tools, and reports it once', async () => {
    const pidFile = path.join(mkdtempSync(path.join(tmpdir(), 'lamarck-mcp-')), 'pid');
    const failures: string[] = [];
    const connecting = connectMcpServer(
      { name: 'broken', command: process.execPath, args: [brokenServer, pidFile], timeoutMs: 5_000 },
      { onToolsChanged: () => undefined, onFailed: (_server, message) => failures.push(message) },
    );
    await expect(connecting).rejects.toThrow(/tools\/list is broken/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // The rejection comes after the close, so the process is already gone (or going: a signal was sent).
    await waitUntil(() => !processAlive(pid));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(failures).toEqual([]);
  });
});

describe('connectMcpServer handshake timeout', () => {
  it('rejects a server that never answers the handshake, without a second "connection closed" report', async () => {
    const pidFile = path.join(mkdtempSync(path.join(tmpdir(), 'lamarck-mcp-')), 'pid');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => undefined, 1000);`;
    const failures: string[] = [];
    await expect(
      connectMcpServer(
        { name: 'silent', command: process.execPath, args: ['-e', script], timeoutMs: 300 },
        { onToolsChanged: () => undefined, onFailed: (_server, message) => failures.push(message) },
      ),
    ).rejects.toThrow(/timed out/i);
    // On a busy machine the server may be stopped before Node got as far as writing its pid, so it is
    // found by its command line (which names the pid file): no process running that script may remain.
    await waitUntil(() => runningWithArgument(pidFile).length === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(failures).toEqual([]);
  });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes (zombies aside) whose command line contains `text`, read from /proc. */
function runningWithArgument(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // the process ended between the listing and the read
    }
  }
  return found;
}

async function waitUntil(condition: () => boolean, timeoutMs = 6_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
