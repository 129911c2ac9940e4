import { describe, expect, it } from 'vitest';
import { describeTimeStop, ToolTimeBudget, wallClockBackstopMs } from '../../src/sandbox/tool-time-budget.ts';

/**
 * A tool call's time is decided from readings of two clocks (its thread's CPU time and the wall
 * clock) plus the waits it made, never from which timer fired first. The clocks are set by hand
 * here, so each case is exactly the situation it names.
 */
function clocks(): { cpu: number; now: number; reads: number; cpuMs(): number; now_(): number } {
  const state = {
    cpu: 0,
    now: 1_000_000,
    reads: 0,
    cpuMs() {
      state.reads += 1;
      return state.cpu;
    },
    now_() {
      return state.now;
    },
  };
  return state;
}

function budget(limitMs: number, wallClockMs: number, state: ReturnType<typeof clocks>): ToolTimeBudget {
  return new ToolTimeBudget(limitMs, wallClockMs, state.now, { cpuMs: () => state.cpuMs(), now: () => state.now_() });
}

describe('a tool call time budget', () => {
  it('does not stop a call starved of CPU: five times its limit of wall clock with half of it used', () => {
    const state = clocks();
    const call = budget(1000, 10_000, state);
    state.now += 5000;
    state.cpu += 500;
    expect(call.check()).toBeUndefined();
  });

  it('stops a call once its CPU time reaches the limit, with the readings', () => {
    const state = clocks();
    const call = budget(1000, 10_000, state);
    state.now += 3000;
    state.cpu += 1000;
    expect(call.check()).toEqual({ by: 'limit', usage: { cpuMs: 1000, waitedMs: 0, wallMs: 3000 } });
  });

  it('counts the time waited on host calls as the call own time', () => {
    const state = clocks();
    const call = budget(1000, 10_000, state);
    state.now += 700;
    state.cpu += 100;
    expect(call.waitAllowanceMs()).toBe(900);
    state.now += 900;
    call.noteWait(900);
    expect(call.check()).toEqual({ by: 'limit', usage: { cpuMs: 100, waitedMs: 900, wallMs: 1600 } });
  });

  it('stops at the wall-clock backstop whatever the call used', () => {
    const state = clocks();
    const call = budget(1000, 10_000, state);
    state.now += 10_000;
    state.cpu += 20;
    const stop = call.check();
    expect(stop).toEqual({ by: 'wall-clock', usage: { cpuMs: 20, waitedMs: 0, wallMs: 10_000 } });
    expect(describeTimeStop(stop!, 1000, 10_000)).toBe(
      'the tool ran past its 10000 ms wall-clock backstop before using its 1000 ms time limit (CPU 20 ms + waiting on host calls 0 ms, over 10000 ms of wall clock)',
    );
  });

  it('reads the CPU clock only when the limit could have been spent since the last reading', () => {
    const state = clocks();
    const call = budget(1000, 10_000, state);
    const readsAtStart = state.reads;
    state.now += 999;
    for (let i = 0; i < 1000; i++) expect(call.check()).toBeUndefined();
    expect(state.reads).toBe(readsAtStart);
    state.now += 1;
    state.cpu += 400;
    expect(call.check()).toBeUndefined();
    expect(state.reads).toBe(readsAtStart + 1);
    // 600 ms of the limit left: no reading for the next 599 ms of wall clock.
    state.now += 599;
    expect(call.check()).toBeUndefined();
    expect(state.reads).toBe(readsAtStart + 1);
  });

  it('gives a backstop of ten times the limit unless one is given, and never one below the limit', () => {
    expect(wallClockBackstopMs(2000)).toBe(20_000);
    expect(wallClockBackstopMs(2000, 5000)).toBe(5000);
    expect(wallClockBackstopMs(2000, 100)).toBe(2000);
  });
});
