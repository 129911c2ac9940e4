import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.ts';
import { parseEngineSettings } from '../../../src/evolve/engine/engine-settings.ts';
import { evolve } from '../../../src/evolve/evolve.ts';
import { closeAfterEach } from './test-resources.ts';
import { fakeEvaluator, fakeProblem, tuningOperator } from './fakes.ts';

/** settings.objectives, settings.reflection and operator weights: parsed, or refused with the field named. */
const { memoryStore } = closeAfterEach();

function refusal(settings: Record<string, unknown>): ConfigError {
  try {
    parseEngineSettings(settings as never, []);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('objectives, reflection and operator weights in lamarck.json settings', () => {
  it('reads the objectives in order, the front size and the reflection settings', () => {
    const settings = parseEngineSettings({ objectives: { success: 'maximize', cost: 'minimize' }, frontSize: 8, reflection: { artifacts: ['failures'], maxCases: 2 } }, []);
    expect(settings.database.objectives).toEqual([
      { metric: 'success', goal: 'maximize' },
      { metric: 'cost', goal: 'minimize' },
    ]);
    expect(settings.database.frontSize).toBe(8);
    expect(settings.reflection).toEqual({ artifacts: ['failures'], maxCases: 2, caseChars: 1500 });
    expect(settings.operatorWeights['llm-reflect']).toBeGreaterThan(0);
    expect(parseEngineSettings({}, []).database.objectives).toEqual([]);
  });

  it('names the field of a wrong objective, a single objective, or a wrong reflection setting', () => {
    expect(refusal({ objectives: { success: 'maximize', cost: 'lowest' } })).toMatchObject({ field: 'settings.objectives.cost', message: expect.stringContaining('expected "maximize" or "minimize"') });
    expect(refusal({ objectives: { success: 'maximize' } })).toMatchObject({ field: 'settings.objectives', message: expect.stringContaining('at least two metrics') });
    expect(refusal({ frontSize: 1 }).field).toBe('settings.frontSize');
    expect(refusal({ reflection: { maxCases: 0 } }).field).toBe('settings.reflection.maxCases');
    expect(refusal({ reflection: { artifact: ['failures'] } })).toMatchObject({ field: 'settings.reflection.artifact', message: expect.stringContaining('unknown key') });
  });

  it('warns once when the initial program reports no number for an objective, and draws by score meanwhile', async () => {
    // fakeEvaluator reports the metric x only: "cost" is misspelt or absent.
    const handle = evolve({
      problem: fakeProblem(10, { islands: 1, objectives: { x: 'maximize', cost: 'minimize' } }),
      store: memoryStore(),
      evaluator: fakeEvaluator(),
      operators: [tuningOperator()],
      iterations: 3,
      seed: 1,
    });
    const notices: string[] = [];
    const draws: string[] = [];
    for await (const event of handle.events) {
      if (event.type === 'notice' && event.level === 'warning') notices.push(event.message);
      if (event.type === 'candidate-proposed') draws.push(event.draw);
    }
    const summary = await handle.result;
    expect(notices).toEqual([expect.stringContaining('no number for cost (settings.objectives)')]);
    expect(summary.front).toEqual({ objectives: [{ metric: 'x', goal: 'maximize' }, { metric: 'cost', goal: 'minimize' }], members: [] });
    expect(draws).not.toContain('pareto');
  });

  it('refuses a weight for an operator the run does not know, naming it and the known ones', async () => {
    const handle = evolve({
      problem: fakeProblem(10, { operators: { 'llm-reflct': 1 } }),
      store: memoryStore(),
      evaluator: fakeEvaluator(),
      operators: [tuningOperator()],
      iterations: 1,
      seed: 1,
    });
    const failure = await handle.result.then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).field).toBe('settings.operators.llm-reflct');
    expect((failure as ConfigError).message).toMatch(/unknown operator \(known: .*llm-reflect.*numeric-tune/);
  });
});
