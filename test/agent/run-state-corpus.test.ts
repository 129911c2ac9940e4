import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/run-agent.ts';
import type { RunState } from '../../src/agent/run-state.ts';
import { createScriptedModel } from '../../src/testing/index.ts';

/** Run states written by earlier versions must keep loading and resuming (frozen corpus). */
describe('persisted run state corpus', () => {
  it('resumes a version 1 run state', async () => {
    const state = JSON.parse(readFileSync(new URL('./fixtures/run-state-v1.json', import.meta.url), 'utf8')) as RunState;
    const model = createScriptedModel({
      replies: [
        (request) => {
          expect(request.system).toContain('2. Add them');
          expect(request.messages.map((message) => message.text).join('\n')).toContain('19 and 23');
          return { toolCalls: [{ name: 'read_result', input: { id: 'ref_1' } }] };
        },
        (request) => {
          expect(request.messages.at(-1)!.text).toContain('an older large result');
          return { toolCalls: [{ name: 'final_answer', input: { answer: '42' } }] };
        },
      ],
    });
    const result = await runAgent({ task: '', resume: state, model, builtinTools: false }).result;
    model.verify();
    expect(result).toMatchObject({ runId: 'run_fixture_v1', trajectoryId: 'trj_fixture_v1', answer: '42', steps: 3, usage: { modelCalls: 4 } });
    // Usage continues from the saved totals.
    expect(result.usage.inputTokens).toBeGreaterThan(120);
  });
});
