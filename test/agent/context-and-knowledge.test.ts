import { describe, expect, it } from 'vitest';
import { compactConversation, estimateConversationTokens } from '../../src/agent/context-window.ts';
import { createMemoryKnowledge } from '../../src/agent/knowledge.ts';
import { runAgent } from '../../src/agent/run-agent.ts';
import type { ChatMessage } from '../../src/model/types.ts';
import { createMemoryStore, createScriptedModel } from '../../src/testing/index.ts';
import { collectEvents, customTool } from './helpers.ts';

describe('large results by reference', () => {
  it('stores a large result as a reference with a preview, readable in slices with read_result', async () => {
    const store = createMemoryStore();
    const big = 'A'.repeat(3000) + 'NEEDLE' + 'B'.repeat(7000);
    const dump = customTool('dump', 'Returns a lot of text', () => big);
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'dump', input: {} }] },
        (request) => {
          const last = request.messages.at(-1)!.text;
          expect(last).toContain('10006 characters, stored as reference ref_1');
          expect(last.length).toBeLessThan(1500);
          expect(request.tools).toContain('read_result');
          return { toolCalls: [{ name: 'read_result', input: { id: 'ref_1', offset: 2995, length: 20 } }] };
        },
        (request) => {
          const last = request.messages.at(-1)!.text;
          expect(last).toContain('AAAAANEEDLEBBBBBBBBB');
          expect(last).toContain('next offset 3015');
          return { toolCalls: [{ name: 'final_answer', input: { answer: 'found NEEDLE at 3000' } }] };
        },
      ],
    });
    const result = await runAgent({ task: 'find the needle', model, store, tools: [dump], builtinTools: false, limits: { resultReferenceChars: 1000 } }).result;
    model.verify();
    expect(result.answer).toBe('found NEEDLE at 3000');
    const trajectory = await store.getTrajectory(result.trajectoryId);
    const stored = trajectory!.steps.find((step) => step.type === 'tool-result' && step.data['name'] === 'dump')!;
    expect(stored.data).toMatchObject({ referenceId: 'ref_1', chars: 10006 });
    expect(stored.data['content']).toBeUndefined();
    await store.close();
  });
});

describe('context budget', () => {
  it('compacts older turns, keeping the task, recent turns and tool-call/result pairs', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Task: do things' }];
    for (let turn = 0; turn < 10; turn += 1) {
      messages.push({ role: 'assistant', content: `thinking ${turn}`, toolCalls: [{ id: `c${turn}`, name: 'ping', input: {} }] });
      messages.push({ role: 'tool', toolCallId: `c${turn}`, toolName: 'ping', content: 'x'.repeat(400) });
    }
    const before = estimateConversationTokens(messages);
    const compacted = compactConversation(messages, 500);
    expect(compacted.tokensBefore).toBe(before);
    expect(compacted.tokensAfter).toBeLessThanOrEqual(500);
    expect(compacted.messages[0]).toEqual(messages[0]);
    expect(compacted.messages[1]!.content).toContain('earlier messages were removed');
    expect(compacted.messages[1]!.content).toContain('ping ×');
    // Every tool message still follows the assistant message that called it.
    for (let index = 2; index < compacted.messages.length; index += 1) {
      const message = compacted.messages[index]!;
      if (message.role === 'tool') {
        const previous = compacted.messages[index - 1]!;
        expect(previous.role === 'assistant' && previous.toolCalls?.some((call) => call.id === message.toolCallId)).toBe(true);
      }
    }
    expect(compacted.messages.at(-1)).toEqual(messages.at(-1));
    expect(compactConversation(messages, 1_000_000).removedMessages).toBe(0);
  });

  it('compacts during a run when the conversation outgrows the budget', async () => {
    const chunk = customTool('chunk', 'Returns a chunk', () => 'y'.repeat(900));
    const replies = Array.from({ length: 6 }, () => ({ toolCalls: [{ name: 'chunk', input: {} }] }));
    const model = createScriptedModel({
      replies: [
        ...replies,
        (request) => {
          expect(request.messages.some((message) => message.text.includes('[context note]'))).toBe(true);
          return 'done';
        },
      ],
    });
    const { events, onEvent } = collectEvents();
    const result = await runAgent({ task: 't', model, tools: [chunk], builtinTools: false, limits: { contextTokens: 1500 }, onEvent }).result;
    model.verify();
    expect(result.answer).toBe('done');
    expect(events.some((event) => event.type === 'context-compacted')).toBe(true);
  });
});

describe('knowledge', () => {
  const knowledge = () =>
    createMemoryKnowledge({
      skills: [{ name: 'csv-report', description: 'Use when summarising CSV files into a report.', body: 'Step 1: read the header row.' }],
      lessons: [
        { id: 'l1', text: 'CSV files here use semicolons as separators.' },
        { id: 'l2', text: 'Unrelated lesson about poetry.' },
      ],
      guardrails: [{ id: 'g1', name: 'no-rm', tools: ['shell'], pattern: 'rm\\s+-rf', reason: 'Deleting trees is forbidden.' }],
    });

  it('lists skills and relevant lessons in the prompt, loads a skill body on activation', async () => {
    const library = knowledge();
    const store = createMemoryStore();
    const model = createScriptedModel({
      replies: [
        (request) => {
          expect(request.system).toContain('csv-report: Use when summarising CSV files');
          expect(request.system).not.toContain('Step 1: read the header row');
          expect(request.system).toContain('semicolons');
          expect(request.system).not.toContain('poetry');
          return { toolCalls: [{ name: 'activate_skill', input: { name: 'csv-report' } }] };
        },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('Step 1: read the header row.');
          return { toolCalls: [{ name: 'final_answer', input: { answer: 'report' } }] };
        },
      ],
    });
    const result = await runAgent({ task: 'Summarise the CSV files into a report', model, store, knowledge: library, builtinTools: false }).result;
    model.verify();
    expect(result.answer).toBe('report');
    expect(library.uses).toEqual([{ kind: 'lesson', id: 'l1' }, { kind: 'skill', name: 'csv-report' }]);
    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory!.steps.some((step) => step.type === 'skill-activated' && step.data['name'] === 'csv-report')).toBe(true);
    await store.close();
  });

  it('blocks a tool call that a guardrail forbids and tells the model why', async () => {
    const library = knowledge();
    const shell = customTool('shell', 'Run a shell command', () => 'ran', { command: { type: 'string' } });
    const store = createMemoryStore();
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'shell', input: { command: 'rm -rf /' } }] },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('blocked by guardrail "no-rm": Deleting trees is forbidden.');
          return { toolCalls: [{ name: 'shell', input: { command: 'ls' } }] };
        },
        { toolCalls: [{ name: 'final_answer', input: { answer: 'listed' } }] },
      ],
    });
    const { events, onEvent } = collectEvents();
    const result = await runAgent({ task: 'clean up', model, store, knowledge: library, tools: [shell], builtinTools: false, onEvent }).result;
    model.verify();
    expect(shell.calls).toEqual([{ command: 'ls' }]);
    expect(result.answer).toBe('listed');
    expect(events.find((event) => event.type === 'guardrail-blocked')).toMatchObject({ name: 'shell', guardrail: 'no-rm' });
    expect(library.uses).toContainEqual({ kind: 'guardrail', id: 'g1', toolName: 'shell', input: { command: 'rm -rf /' } });
    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory!.steps.filter((step) => step.type === 'guardrail-blocked')).toHaveLength(1);
    await store.close();
  });

  it('blocks, failing closed, when a predicate guardrail cannot be evaluated', async () => {
    const library = createMemoryKnowledge({
      guardrails: [{ id: 'g2', name: 'big-numbers', predicate: '(tool, input) => input.n > 10', reason: 'Numbers above ten are not allowed.' }],
    });
    const echo = customTool('echo', 'Echo', () => 'ok', { n: { type: 'number' } });
    const model = createScriptedModel({
      replies: [{ toolCalls: [{ name: 'echo', input: { n: 5 } }] }, 'stop'],
    });
    const failingRunner = async () => ({ ok: false as const, error: { code: 'sandbox-fault' as const, message: 'no sandbox' }, logs: [], durationMs: 0 });
    const result = await runAgent({ task: 't', model, knowledge: library, tools: [echo], builtinTools: false, toolRunner: failingRunner }).result;
    expect(echo.calls).toEqual([]);
    expect(result.answer).toBe('stop');
  });
});
