import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/run-agent.ts';
import { runStateScope, type RunState } from '../../src/agent/run-state.ts';
import { createUsageMeter } from '../../src/model/usage-meter.ts';
import { createMemoryStore, createScriptedModel } from '../../src/testing/index.ts';
import { customTool } from './helpers.ts';

describe('run state and resume', () => {
  it('resumes a run that failed mid-way from the store, continuing the same trajectory', async () => {
    const store = createMemoryStore();
    const counter = customTool('count', 'Counts', (input) => `counted ${JSON.stringify(input)}`, { n: { type: 'number' } });
    const first = createScriptedModel({
      replies: [{ toolCalls: [{ name: 'count', input: { n: 1 } }] }, { error: { statusCode: 400, message: 'provider broke' } }],
      retries: { maxAttempts: 1 },
    });
    const crashed = await runAgent({ task: 'count twice', model: first, store, tools: [counter], builtinTools: false }).result;
    expect(crashed.status).toBe('failed');
    const saved = (await store.getState(runStateScope, crashed.runId)) as unknown as RunState;
    expect(saved).toMatchObject({ version: 1, step: 1, status: 'failed', task: 'count twice' });

    const second = createScriptedModel({
      replies: [
        (request) => {
          // The conversation so far came back: the first tool result is in the prompt.
          expect(request.messages.map((message) => message.text).join('\n')).toContain('counted {"n":1}');
          return { toolCalls: [{ name: 'count', input: { n: 2 } }] };
        },
        { toolCalls: [{ name: 'final_answer', input: { answer: 'counted to 2' } }] },
      ],
    });
    const resumed = await runAgent({ task: '', resume: crashed.runId, model: second, store, tools: [counter], builtinTools: false }).result;
    second.verify();
    expect(resumed).toMatchObject({ runId: crashed.runId, trajectoryId: crashed.trajectoryId, status: 'answered', answer: 'counted to 2', steps: 3 });
    expect(counter.calls).toEqual([{ n: 1 }, { n: 2 }]);
    const trajectory = await store.getTrajectory(crashed.trajectoryId);
    const types = trajectory!.steps.map((step) => step.type);
    expect(types).toContain('run-failed');
    expect(types).toContain('resumed');
    expect(trajectory!.steps.map((step) => step.index)).toEqual(types.map((_, index) => index));
    expect(trajectory!.status).toBe('finished');
    expect((await store.getRun(crashed.runId))?.status).toBe('finished');
    await store.close();
  });

  it('continues the step numbering when the crash came after steps the saved state does not know of', async () => {
    const store = createMemoryStore();
    const first = createScriptedModel({ replies: [{ error: { statusCode: 400, message: 'boom' } }], retries: { maxAttempts: 1 } });
    const crashed = await runAgent({ task: 'go', model: first, store, builtinTools: false }).result;
    const saved = (await store.getState(runStateScope, crashed.runId)) as unknown as RunState;
    // As if the process died after writing steps but before saving the state.
    const stale: RunState = { ...saved, trajectoryStep: 0 };
    const second = createScriptedModel({ replies: ['fine'] });
    const resumed = await runAgent({ task: '', resume: stale, model: second, store, builtinTools: false }).result;
    expect(resumed.answer).toBe('fine');
    const trajectory = await store.getTrajectory(crashed.trajectoryId);
    expect(trajectory!.steps.map((step) => step.index)).toEqual(trajectory!.steps.map((_, index) => index));
    expect(trajectory!.steps.length).toBeGreaterThan(4);
    await store.close();
  });

  it('resumes a budget-stopped run from a JSON file, keeping usage and references', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'lamarck-state-'));
    const file = path.join(directory, 'state.json');
    const dump = customTool('dump', 'Big output', () => 'z'.repeat(5000));
    const meter = createUsageMeter({ maxCalls: 1 });
    const first = createScriptedModel({ meter, replies: [{ toolCalls: [{ name: 'dump', input: {} }], usage: { inputTokens: 10, outputTokens: 5 } }] });
    const stopped = await runAgent({ task: 'dump it', model: first, meter, tools: [dump], builtinTools: false, saveState: { file }, limits: { resultReferenceChars: 1000 } }).result;
    expect(stopped).toMatchObject({ status: 'stopped', stopReason: 'budget' });
    const saved = JSON.parse(await readFile(file, 'utf8')) as RunState;
    expect(saved.references.map((reference) => reference.id)).toEqual(['ref_1']);

    const second = createScriptedModel({
      replies: [
        { toolCalls: [{ name: 'read_result', input: { id: 'ref_1', offset: 4990, length: 100 } }], usage: { inputTokens: 10, outputTokens: 5 } },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('zzzzzzzzzz');
          return { toolCalls: [{ name: 'final_answer', input: { answer: 'read the end' } }], usage: { inputTokens: 10, outputTokens: 5 } };
        },
      ],
    });
    const resumed = await runAgent({ task: '', resume: { file }, model: second, tools: [dump], builtinTools: false, saveState: { file } }).result;
    second.verify();
    expect(resumed).toMatchObject({ status: 'answered', answer: 'read the end', usage: { modelCalls: 3, inputTokens: 30, outputTokens: 15 } });
    expect(dump.calls).toHaveLength(1);
    await rm(directory, { recursive: true, force: true });
  });

  it('rejects a state of an unknown version with a message naming the field', async () => {
    const model = createScriptedModel({ replies: [] });
    const bad = { version: 99, runId: 'r', trajectoryId: 't', task: 'x', model: 'm', messages: [] } as unknown as RunState;
    await expect(runAgent({ task: '', resume: bad, model }).result).rejects.toThrow(/resume.version/);
  });
});
