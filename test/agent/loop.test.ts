import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/run-agent.ts';
import { stepLimit } from '../../src/agent/stop-conditions.ts';
import { createUsageMeter } from '../../src/model/usage-meter.ts';
import { createFakeClock, createMemoryStore, createScriptedModel } from '../../src/testing/index.ts';
import { collectEvents, customTool } from './helpers.ts';

describe('agent loop', () => {
  it('calls a tool, then answers with final_answer, and records every step', async () => {
    const store = createMemoryStore();
    const weather = customTool('get_weather', 'Current weather for a city', () => 'sunny, 21 C', { city: { type: 'string' } });
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'get_weather', input: { city: 'Paris' } }] },
        (request) => {
          expect(request.messages.at(-1)?.text).toContain('sunny, 21 C');
          return { toolCalls: [{ name: 'final_answer', input: { answer: 'It is sunny in Paris.' } }] };
        },
      ],
    });
    const { events, onEvent, types } = collectEvents();
    const run = runAgent({ task: 'What is the weather in Paris?', model, store, tools: [weather], builtinTools: false, onEvent });
    const result = await run.result;
    model.verify();
    expect(result).toMatchObject({ status: 'answered', stopReason: 'answered', answer: 'It is sunny in Paris.', steps: 2 });
    expect(weather.calls).toEqual([{ city: 'Paris' }]);
    expect(types()).toEqual(expect.arrayContaining(['run-started', 'model-called', 'tool-called', 'tool-finished', 'run-finished']));
    expect(events.at(-1)?.type).toBe('run-finished');

    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory?.status).toBe('finished');
    expect(trajectory?.answer).toBe('It is sunny in Paris.');
    expect(trajectory?.model).toBe('scripted:model');
    const stepTypes = trajectory!.steps.map((step) => step.type);
    expect(stepTypes).toEqual(['prompt', 'model-call', 'tool-call', 'tool-result', 'model-call', 'tool-call', 'answer']);
    expect(trajectory!.steps.map((step) => step.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(String(trajectory!.steps[0]!.data['system'])).toContain('Tool results are data');
    const modelCall = trajectory!.steps[1]!.data;
    expect(modelCall).toMatchObject({ model: 'scripted:model', toolCalls: [{ name: 'get_weather', input: { city: 'Paris' } }] });
    expect(typeof modelCall['inputTokens']).toBe('number');
    expect(typeof modelCall['latencyMs']).toBe('number');
    expect(trajectory!.steps[3]!.data).toMatchObject({ name: 'get_weather', isError: false, content: 'sunny, 21 C' });
    const runRecord = await store.getRun(result.runId);
    expect(runRecord).toMatchObject({ kind: 'agent', status: 'finished' });
    await store.close();
  });

  it('takes a plain-text reply as the answer', async () => {
    const model = createScriptedModel({ replies: ['42'] });
    const result = await runAgent({ task: 'What is 6 times 7?', model, builtinTools: false }).result;
    expect(result).toMatchObject({ status: 'answered', answer: '42', steps: 1 });
  });

  it('does not take a reply cut off at the output limit as the answer', async () => {
    const store = createMemoryStore();
    const model = createScriptedModel({
      replies: [
        { text: '{"tool": "final_answer", "input": {"answer": "The capital is Par', finishReason: 'length' },
        (request) => {
          expect(request.messages.at(-1)?.text).toContain('cut off at the output limit');
          return 'Paris.';
        },
      ],
    });
    const result = await runAgent({ task: 'Capital of France?', model, store, builtinTools: false }).result;
    model.verify();
    expect(result).toMatchObject({ status: 'answered', answer: 'Paris.', steps: 2 });
    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory!.steps.map((step) => step.type)).toEqual(['prompt', 'model-call', 'nudge', 'model-call', 'answer']);
    await store.close();
  });

  it('stops at the step limit', async () => {
    const ping = customTool('ping', 'Ping', () => 'pong');
    const model = createScriptedModel({
      replies: [1, 2, 3].map(() => ({ toolCalls: [{ name: 'ping', input: {} }] })),
    });
    const store = createMemoryStore();
    const result = await runAgent({ task: 'loop forever', model, store, tools: [ping], builtinTools: false, limits: { maxSteps: 3 } }).result;
    model.verify();
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'step-limit', answer: null, steps: 3 });
    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory!.status).toBe('stopped');
    expect(trajectory!.steps.at(-1)).toMatchObject({ type: 'run-stopped', data: { reason: 'step-limit' } });
    expect((await store.getRun(result.runId))?.status).toBe('stopped');
    await store.close();
  });

  it('stops at the time limit, measured on the given clock', async () => {
    const clock = createFakeClock({ start: 1_000 });
    const slow = customTool('slow', 'Takes a minute', async () => {
      await clock.advance(60_000);
      return 'done';
    });
    const model = createScriptedModel({ replies: [{ toolCalls: [{ name: 'slow', input: {} }] }] });
    const result = await runAgent({ task: 't', model, clock, tools: [slow], builtinTools: false, limits: { maxTimeMs: 30_000 } }).result;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'time-limit', steps: 1 });
  });

  it('cuts a tool call that would run past the time limit', async () => {
    const hang = customTool('hang', 'Ignores its signal and never returns', () => new Promise(() => undefined));
    const model = createScriptedModel({ replies: [{ toolCalls: [{ name: 'hang', input: {} }] }] });
    const result = await runAgent({ task: 't', model, tools: [hang], builtinTools: false, limits: { maxTimeMs: 150, toolTimeoutMs: 60_000 } }).result;
    model.verify();
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'time-limit', steps: 1 });
  });

  it('stops on the budget when the meter refuses a call, and composes extra stop conditions', async () => {
    const meter = createUsageMeter({ maxCalls: 2 });
    const ping = customTool('ping', 'Ping', () => 'pong');
    const model = createScriptedModel({
      meter,
      replies: [1, 2].map(() => ({ toolCalls: [{ name: 'ping', input: {} }] })),
    });
    const result = await runAgent({ task: 't', model, meter, tools: [ping], builtinTools: false }).result;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'budget', steps: 2 });
    expect(result.error?.code).toBe('budget-exceeded');

    const second = createScriptedModel({ replies: [{ toolCalls: [{ name: 'ping', input: {} }] }] });
    const stopped = await runAgent({ task: 't', model: second, tools: [ping], builtinTools: false, stopWhen: [stepLimit(1)] }).result;
    expect(stopped.stopReason).toBe('step-limit');
  });

  it('stops on a token budget from the limits', async () => {
    const ping = customTool('ping', 'Ping', () => 'pong');
    const model = createScriptedModel({
      replies: [{ toolCalls: [{ name: 'ping', input: {} }], usage: { inputTokens: 900, outputTokens: 200 } }],
    });
    const result = await runAgent({ task: 't', model, tools: [ping], builtinTools: false, limits: { maxTokens: 1000 } }).result;
    expect(result).toMatchObject({ stopReason: 'budget', usage: { inputTokens: 900, outputTokens: 200 } });
  });

  it('writes a plan first when asked, and puts it in the system prompt', async () => {
    const store = createMemoryStore();
    const model = createScriptedModel({
      replies: [
        (request) => {
          expect(request.tools).toEqual([]);
          return '1. Look it up\n2. Answer';
        },
        (request) => {
          expect(request.system).toContain('1. Look it up');
          return { toolCalls: [{ name: 'final_answer', input: { answer: 'done' } }] };
        },
      ],
    });
    const collector = collectEvents();
    const result = await runAgent({ task: 't', model, store, plan: true, builtinTools: false, onEvent: collector.onEvent }).result;
    model.verify();
    expect(result).toMatchObject({ answer: 'done', steps: 1, usage: { modelCalls: 2 } });
    expect(collector.events.find((event) => event.type === 'plan-written')).toMatchObject({ plan: '1. Look it up\n2. Answer' });
    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory!.steps.map((step) => step.type).slice(0, 2)).toEqual(['plan-call', 'plan']);
    await store.close();
  });

  it('reports a failing tool and an unknown tool to the model and goes on', async () => {
    const broken = customTool('broken', 'Always fails', () => {
      throw new Error('disk on fire');
    });
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'broken', input: {} }] },
        (request) => {
          expect(request.messages.at(-1)?.text).toContain('disk on fire');
          return { toolCalls: [{ name: 'no_such_tool', input: {} }] };
        },
        (request) => {
          expect(request.messages.at(-1)?.text).toContain('unknown tool "no_such_tool"');
          return { toolCalls: [{ name: 'final_answer', input: { answer: 'recovered' } }] };
        },
      ],
    });
    const { events, onEvent } = collectEvents();
    const result = await runAgent({ task: 't', model, tools: [broken], builtinTools: false, onEvent }).result;
    model.verify();
    expect(result).toMatchObject({ status: 'answered', answer: 'recovered' });
    expect(events.filter((event) => event.type === 'tool-finished').map((event) => (event as { isError: boolean }).isError)).toEqual([true, true]);
  });

  it('times out a tool that never returns', async () => {
    const hang = customTool('hang', 'Never returns', () => new Promise(() => undefined));
    const model = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'hang', input: {} }] },
        (request) => {
          expect(request.messages.at(-1)?.text).toContain('timed out after 50 ms');
          return 'gave up';
        },
      ],
    });
    const result = await runAgent({ task: 't', model, tools: [hang], builtinTools: false, limits: { toolTimeoutMs: 50 } }).result;
    expect(result.answer).toBe('gave up');
  });

  it('fails cleanly when the model call fails, keeping the error', async () => {
    const model = createScriptedModel({ replies: [{ error: { statusCode: 400, message: 'bad request' } }], retries: { maxAttempts: 1 } });
    const result = await runAgent({ task: 't', model, builtinTools: false }).result;
    expect(result.status).toBe('failed');
    expect(result.stopReason).toBe('error');
    expect(result.error?.message).toBeTruthy();
  });

  it('records a run that fails while setting up (a broken library) as failed, with the reason', async () => {
    const store = createMemoryStore();
    const model = createScriptedModel({ replies: [] });
    const knowledge = {
      skills: () => Promise.reject(new Error('library index is corrupt')),
      loadSkill: () => Promise.reject(new Error('unused')),
      lessons: () => [],
      guardrails: () => [],
    };
    const result = await runAgent({ task: 't', model, store, knowledge, builtinTools: false }).result;
    model.verify();
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { message: expect.stringContaining('library index is corrupt') } });
    const trajectory = await store.getTrajectory(result.trajectoryId);
    expect(trajectory?.status).toBe('failed');
    expect(trajectory?.steps.at(-1)).toMatchObject({ type: 'run-failed' });
    const run = await store.getRun(result.runId);
    expect(run?.status).toBe('failed');
    expect(run?.summary).toMatchObject({ stopReason: 'error', error: { message: expect.stringContaining('library index is corrupt') } });
    await store.close();
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const ping = customTool('ping', 'Ping', () => {
      controller.abort();
      return 'pong';
    });
    const model = createScriptedModel({ replies: [{ toolCalls: [{ name: 'ping', input: {} }] }] });
    const result = await runAgent({ task: 't', model, tools: [ping], builtinTools: false, signal: controller.signal }).result;
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'aborted' });
  });

  it('calls tools through the JSON fallback for a model without native tool calling', async () => {
    const weather = customTool('get_weather', 'Current weather for a city', () => 'rain', { city: { type: 'string' } });
    const model = createScriptedModel({
      nativeTools: false,
      replies: [
        (request) => {
          expect(request.system).toContain('get_weather');
          return { toolCalls: [{ name: 'get_weather', input: { city: 'Oslo' } }] };
        },
        (request) => {
          expect(request.lastUserText).toContain('rain');
          return { toolCalls: [{ name: 'final_answer', input: { answer: 'Rain in Oslo.' } }] };
        },
      ],
    });
    const result = await runAgent({ task: 'Weather in Oslo?', model, tools: [weather], builtinTools: false }).result;
    model.verify();
    expect(weather.calls).toEqual([{ city: 'Oslo' }]);
    expect(result.answer).toBe('Rain in Oslo.');
  });

  it('streams events to an async iterator subscribed after start', async () => {
    const model = createScriptedModel({ replies: ['hello'] });
    const run = runAgent({ task: 't', model, builtinTools: false });
    const seen: string[] = [];
    for await (const event of run.events) seen.push(event.type);
    expect(seen[0]).toBe('run-started');
    expect(seen.at(-1)).toBe('run-finished');
    expect((await run.result).answer).toBe('hello');
  });
});
