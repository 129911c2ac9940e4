import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
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
