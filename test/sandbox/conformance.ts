import { describe, expect, it } from 'vitest';
import { sandboxOutcomeKinds, type Sandbox, type SandboxLimits, type SandboxResult } from '../../src/sandbox/sandbox-contract.ts';

/**
 * The one conformance suite for the Sandbox contract. Each sandbox supplies, in its own language,
 * the code for the same cases; the suite runs them under the same limits and holds the results to
 * the same vocabulary. Every verdict is read from the result's recorded evidence: limits that
 * should not be reached are generous (a busy machine only makes a case slower), and the one short
 * limit (the loop's) is CPU time or the guest's clock, which a busy machine does not shrink.
 */
export interface SandboxCases<Unit> {
  /** Succeeds and produces the JSON text `{"answer":42}` as its output (printed or returned). */
  answers: Unit;
  /** Loops forever without allocating. */
  loopsForever: Unit;
  /** Allocates and keeps memory without end. */
  exhaustsMemory: Unit;
  /** Produces far more than a megabyte of output. */
  floodsOutput: Unit;
  /** Fails on its own with an uncaught error whose message contains `conformance-marker`. */
  throwsMarker: Unit;
  /** Brings its runtime down (a fatal signal, a stack overflow). */
  crashes: Unit;
  /**
   * Runs far longer than any test, so only an abort can end it in time: sleeping where the sandbox
   * lets code wait (a process), looping where it cannot (QuickJS has no timers; a guest that called
   * `setTimeout` failed at once, before any abort, and was rightly reported as exit-code).
   */
  waitsLong: Unit;
}

const generous: SandboxLimits = { timeoutMs: 60_000, memoryLimitMb: 256, outputLimitBytes: 1024 * 1024 };

export function describeSandboxConformance<Unit>(name: string, sandbox: () => Sandbox<Unit>, cases: SandboxCases<Unit>): void {
  describe(`Sandbox conformance: ${name}`, () => {
    function expectKnownShape(result: SandboxResult): void {
      expect(sandboxOutcomeKinds).toContain(result.kind);
      expect(result.message.length).toBeGreaterThan(0);
      expect(result.evidence.cause.length).toBeGreaterThan(0);
      expect(result.evidence.durationMs).toBeGreaterThanOrEqual(0);
    }

    it('declares contract v1 and a name', () => {
      const under = sandbox();
      expect(under.contractVersion).toBe('v1');
      expect(under.name.length).toBeGreaterThan(0);
    });

    it('runs ordinary code to its result', async () => {
      const result = await sandbox().run(cases.answers, generous);
      expectKnownShape(result);
      expect(result.kind).toBe('ok');
      expect(JSON.parse(result.output)).toEqual({ answer: 42 });
      expect(result.evidence.outputBytes).toBeGreaterThanOrEqual(result.output.trim().length);
    });

    it('stops an infinite loop as a timeout', async () => {
      const result = await sandbox().run(cases.loopsForever, { ...generous, timeoutMs: 500, wallClockMs: 300_000 });
      expectKnownShape(result);
      expect(result.kind).toBe('timeout');
    }, 120_000);

    it('stops a memory blow-up as memory-limit', async () => {
      const result = await sandbox().run(cases.exhaustsMemory, { ...generous, memoryLimitMb: 64 });
      expectKnownShape(result);
      expect(result.kind).toBe('memory-limit');
    }, 120_000);

    it('stops an output flood as output-limit, keeping a bounded part of it', async () => {
      const limit = 100_000;
      const result = await sandbox().run(cases.floodsOutput, { ...generous, outputLimitBytes: limit });
      expectKnownShape(result);
      expect(result.kind).toBe('output-limit');
      // What it tried to hand over went past the limit; what the host kept did not grow with the flood.
      expect(result.output.length).toBeLessThan(2 * 1024 * 1024);
    }, 120_000);

    it('reports an uncaught error as exit-code, with its message', async () => {
      const result = await sandbox().run(cases.throwsMarker, generous);
      expectKnownShape(result);
      expect(result.kind).toBe('exit-code');
      expect(`${result.message}\n${result.diagnostics}`).toContain('conformance-marker');
    }, 120_000);

    it('reports a runtime that died under the code as crashed', async () => {
      const result = await sandbox().run(cases.crashes, generous);
      expectKnownShape(result);
      expect(result.kind).toBe('crashed');
    }, 120_000);

    it('ends as aborted when the caller aborts, before or during the run', async () => {
      const before = await sandbox().run(cases.waitsLong, generous, { signal: AbortSignal.abort() });
      expectKnownShape(before);
      expect(before.kind).toBe('aborted');
      const controller = new AbortController();
      const running = sandbox().run(cases.waitsLong, generous, { signal: controller.signal });
      // The abort comes while the code waits; the generous limits leave the abort the only way out in time.
      setTimeout(() => controller.abort(), 200);
      const during = await running;
      expectKnownShape(during);
      expect(during.kind).toBe('aborted');
    }, 120_000);

    it('still runs ordinary code after each hostile case', async () => {
      for (const hostile of [cases.loopsForever, cases.exhaustsMemory, cases.crashes]) {
        await sandbox().run(hostile, { timeoutMs: 500, wallClockMs: 300_000, memoryLimitMb: 64, outputLimitBytes: 100_000 });
        const after = await sandbox().run(cases.answers, generous);
        expect(after.kind).toBe('ok');
        expect(JSON.parse(after.output)).toEqual({ answer: 42 });
      }
    }, 240_000);
  });
}
