import { describe, expect, it } from 'vitest';
import { chooseCompass, nextMove, observeMove, restoreCompass, saveCompass, skipMove, startCompass } from '../../../src/evolve/operators/compass-search.ts';

describe('compass search', () => {
  it('moves every literal up, then every one down, so moves in flight together change different literals', () => {
    const state = startCompass();
    const moves = Array.from({ length: 6 }, () => nextMove(state, 3));
    expect(moves).toEqual([
      { position: 0, step: 0.5 },
      { position: 1, step: 0.5 },
      { position: 2, step: 0.5 },
      { position: 0, step: -0.5 },
      { position: 1, step: -0.5 },
      { position: 2, step: -0.5 },
    ]);
  });

  it('halves its steps after a whole sweep without an improvement, and only then', () => {
    const state = startCompass();
    for (let move = 0; move < 5; move += 1) observeMove(state, nextMove(state, 3), false, 3);
    expect(state.factor).toBe(0.5);
    // CMA-ES children that fail do not count towards the compass's sweep.
    observeMove(state, undefined, false, 3);
    expect(state.factor).toBe(0.5);
    skipMove(state, 3);
    expect(state.factor).toBe(0.25);
    expect(state.failures).toBe(0);
  });

  it('repeats a move that improved at twice its length, up to eight screening steps', () => {
    const state = startCompass();
    const first = nextMove(state, 2);
    observeMove(state, first, true, 2);
    expect(nextMove(state, 2)).toEqual({ position: 0, step: 1 });
    let move = { position: 0, step: 4 };
    observeMove(state, move, true, 2);
    expect(nextMove(state, 2)).toEqual({ position: 0, step: 8 });
    move = { position: 0, step: 8 };
    observeMove(state, move, true, 2);
    // At the limit the sweep goes on where it was.
    expect(nextMove(state, 2)).toEqual({ position: 1, step: 0.5 });
  });

  it('gives the proposals to the method that improves, within 20% and 80%', () => {
    const state = startCompass();
    expect(chooseCompass(state, 0.49)).toBe(true);
    expect(chooseCompass(state, 0.51)).toBe(false);
    for (let child = 0; child < 20; child += 1) observeMove(state, { position: 0, step: 0.5 }, true, 1);
    for (let child = 0; child < 20; child += 1) observeMove(state, undefined, false, 1);
    expect(chooseCompass(state, 0.79)).toBe(true);
    expect(chooseCompass(state, 0.81)).toBe(false);
  });

  it('survives a save and restore, and a damaged state starts afresh', () => {
    const state = startCompass();
    observeMove(state, nextMove(state, 2), true, 2);
    const restored = restoreCompass(JSON.parse(JSON.stringify(saveCompass(state))));
    expect(restored).toEqual(state);
    expect(restoreCompass('nonsense')).toEqual(startCompass());
  });
});
