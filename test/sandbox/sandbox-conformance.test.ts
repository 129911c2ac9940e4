import { afterAll, beforeAll } from 'vitest';
import { createProcessSandbox, type ProcessUnit } from '../../src/sandbox/process-sandbox.ts';
import { closeQuickJsPool, createQuickJsSandbox, type QuickJsUnit } from '../../src/sandbox/quickjs-sandbox.ts';
import { resolveInterpreter } from '../../src/sandbox/resolve-interpreter.ts';
import { describeSandboxConformance } from './conformance.ts';

/** Both sandboxes, held to the same cases: the process sandbox in Python, QuickJS in JavaScript. */
let python = 'python3';
beforeAll(async () => {
  python = (await resolveInterpreter(['python3']))[0]!;
});

afterAll(async () => {
  await closeQuickJsPool();
});

/** A Python script as a unit; the interpreter is resolved when the unit runs, after beforeAll. */
function py(script: string): ProcessUnit {
  return {
    get command() {
      return [python, '-c', script];
    },
  };
}

describeSandboxConformance('process', createProcessSandbox, {
  answers: py('import json\nprint(json.dumps({"answer": 42}))'),
  loopsForever: py('while True: pass'),
  // 8 MiB of touched pages every 10 ms, up to 4 GiB: far over the limit if never stopped.
  exhaustsMemory: py('import time\nchunks = []\nfor _ in range(512):\n    chunks.append(b"x" * (8 << 20))\n    time.sleep(0.01)'),
  floodsOutput: py('import sys\nchunk = b"y" * (1 << 20)\nfor _ in range(100): sys.stdout.buffer.write(chunk)'),
  throwsMarker: py('raise RuntimeError("conformance-marker")'),
  crashes: py('import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)'),
  waitsLong: py('import time\ntime.sleep(600)'),
});

function js(source: string): QuickJsUnit {
  return { source, input: null };
}

describeSandboxConformance('quickjs', createQuickJsSandbox, {
  answers: js('export default () => ({ answer: 42 });'),
  loopsForever: js('export default () => { for (;;) {} };'),
  exhaustsMemory: js('export default () => { const keep = []; for (;;) keep.push(new Array(100000).fill(1.5)); };'),
  floodsOutput: js("export default () => 'y'.repeat(4 * 1024 * 1024);"),
  throwsMarker: js("export default () => { throw new Error('conformance-marker'); };"),
  crashes: js('export default () => { const dive = (n) => dive(n + 1) + 1; return dive(0); };'),
  // QuickJS has no timers: the guest runs until its 60 s limit on the guest's clock, or an abort.
  waitsLong: js('export default () => { for (;;) {} };'),
});
