import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectSandboxStillWorks, hostileLimits, ordinaryLimits, runInline, startLocalServer, type LocalServer } from './tool-fixtures.ts';

/**
 * Hostile tool code against the QuickJS sandbox. Every attempt must end as an error result
 * (never a host crash, never a success that leaked something), and the next call must still work.
 */
let workspace: string;
let secretFile: string;
let server: LocalServer;

beforeAll(async () => {
  workspace = mkdtempSync(path.join(os.tmpdir(), 'lamarck-security-'));
  secretFile = path.join(workspace, 'secret.txt');
  writeFileSync(secretFile, 'TOP-SECRET-CONTENT');
  server = await startLocalServer(() => ({ body: '{"reached":true}' }));
});

afterAll(async () => {
  rmSync(workspace, { recursive: true, force: true });
  await server.close();
});

afterEach(async () => {
  await expectSandboxStillWorks();
});

describe('reading and writing host files', () => {
  it('cannot import node:fs statically', async () => {
    const result = await runInline(`import fs from 'node:fs';\nexport default () => fs.readFileSync(${JSON.stringify(secretFile)}, 'utf8');`);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('TOP-SECRET');
  });

  it('cannot import fs dynamically', async () => {
    const result = await runInline(`export default async () => (await import('fs')).readFileSync(${JSON.stringify(secretFile)}, 'utf8');`);
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    expect(JSON.stringify(result)).not.toContain('TOP-SECRET');
  });

  it('cannot use the QuickJS std and os modules', async () => {
    const result = await runInline(`export default async () => { const std = await import('std'); return std.loadFile(${JSON.stringify(secretFile)}); }`);
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    const osModule = await runInline(`export default async () => { const os = await import('os'); return os.readdir('/'); }`);
    expect(osModule).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
  });

  it('cannot write a host file', async () => {
    const target = path.join(workspace, 'written-by-tool.txt');
    const result = await runInline(`export default async () => { const fs = await import('fs'); fs.writeFileSync(${JSON.stringify(target)}, 'pwned'); return 'written'; }`);
    expect(result.ok).toBe(false);
    expect(existsSync(target)).toBe(false);
  });
});

describe('network', () => {
  it('has no global fetch, XMLHttpRequest or WebSocket', async () => {
    const result = await runInline(`export default async () => (await fetch(${JSON.stringify(server.origin)})).status;`);
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw', message: expect.stringContaining('fetch') } });
    const xhr = await runInline(`export default () => new XMLHttpRequest();`);
    expect(xhr).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    const socket = await runInline(`export default () => new WebSocket('ws://127.0.0.1:1');`);
    expect(socket).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    expect(server.requests).toHaveLength(0);
  });

  it('gets no ctx.fetch when the network was not granted, even if declared', async () => {
    const result = await runInline(
      `export default async (input, ctx) => (await ctx.fetch(${JSON.stringify(server.origin)})).body;`,
      null,
      ordinaryLimits,
      { capabilities: { network: ['127.0.0.1'] } },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw', message: expect.stringContaining('not a function') } });
    expect(server.requests).toHaveLength(0);
  });

  it('cannot fetch a host it was granted but did not declare', async () => {
    const result = await runInline(
      `export default async (input, ctx) => (await ctx.fetch(${JSON.stringify(server.origin)})).body;`,
      null,
      { ...ordinaryLimits, granted: { network: ['127.0.0.1'] } },
      { capabilities: { network: ['api.example.com'] } },
    );
    expect(result.ok).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('cannot fetch an ungranted host through a granted ctx.fetch', async () => {
    const result = await runInline(
      `export default async (input, ctx) => (await ctx.fetch('http://localhost:${server.port}/')).body;`,
      null,
      { ...ordinaryLimits, granted: { network: ['api.example.com'] } },
      { capabilities: { network: ['api.example.com'] } },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'capability-denied', message: expect.stringContaining('not granted') } });
    expect(server.requests).toHaveLength(0);
  });

  it('cannot use other schemes through ctx.fetch', async () => {
    const result = await runInline(
      `export default async (input, ctx) => (await ctx.fetch('file://${secretFile}')).body;`,
      null,
      { ...ordinaryLimits, granted: { network: ['127.0.0.1'] } },
      { capabilities: { network: ['127.0.0.1'] } },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'capability-denied' } });
  });
});

describe('environment and Node globals', () => {
  it('cannot read process.env', async () => {
    process.env.LAMARCK_SANDBOX_SECRET = 'env-secret-value';
    try {
      const result = await runInline(`export default () => process.env.LAMARCK_SANDBOX_SECRET;`);
      expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw', message: expect.stringContaining('process') } });
      expect(JSON.stringify(result)).not.toContain('env-secret-value');
    } finally {
      delete process.env.LAMARCK_SANDBOX_SECRET;
    }
  });

  it('cannot call require', async () => {
    const result = await runInline(`export default () => require('child_process').execSync('id').toString();`);
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw', message: expect.stringContaining('require') } });
  });

  it('cannot reach Buffer, global or globalThis.process', async () => {
    const result = await runInline(`export default () => Buffer.from('x').toString('hex');`);
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    const viaGlobal = await runInline(`export default () => global.process.pid;`);
    expect(viaGlobal).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    const viaGlobalThis = await runInline(`export default () => globalThis.process.mainModule.require('fs');`);
    expect(viaGlobalThis).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
  });

  it('sees only standard ECMAScript globals plus console', async () => {
    const result = await runInline(`export default () => Object.getOwnPropertyNames(globalThis);`);
    expect(result.ok).toBe(true);
    const names = result.ok ? (result.output as string[]) : [];
    for (const forbidden of ['process', 'require', 'module', 'Buffer', 'global', 'fetch', 'setTimeout', 'std', 'os', 'Deno', 'Bun', 'scriptArgs']) {
      expect(names).not.toContain(forbidden);
    }
    expect(names).toContain('console');
  });

  it('cannot escape through the Function constructor or the ctx object', async () => {
    const result = await runInline(`export default (input, ctx) => ctx.constructor.constructor('return process')().env;`);
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
  });
});

describe('prototype pollution', () => {
  it('cannot pollute the host Object.prototype', async () => {
    const source = `export default (input) => {
      Object.prototype.polluted = 1;
      Array.prototype.polluted = 1;
      ({}).__proto__.viaProto = 1;
      input.__proto__.viaInput = 1;
      throw new Error('polluted and gone');
    };`;
    const result = await runInline(source, { some: 'input' });
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    const probe: Record<string, unknown> = {};
    expect(probe['polluted']).toBeUndefined();
    expect(probe['viaProto']).toBeUndefined();
    expect(probe['viaInput']).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('cannot smuggle a __proto__ key into the host through its output', async () => {
    const result = await runInline(`export default () => JSON.parse('{"__proto__": {"isAdmin": true}, "a": 1}');`);
    expect(result).toMatchObject({ ok: true, output: { a: 1 } });
    const output = result.ok ? (result.output as Record<string, unknown>) : {};
    expect(Object.hasOwn(output, '__proto__')).toBe(false);
    const merged = Object.assign({}, output) as Record<string, unknown>;
    expect(merged['isAdmin']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });

  it('does not carry pollution from one call into the next', async () => {
    await runInline(`export default () => { Object.prototype.leftover = 'yes'; JSON.parse = () => 'hijacked'; throw new Error('x'); };`);
    const next = await runInline(`export default (input) => ({ leftover: ({}).leftover ?? null, value: input.value });`, { value: 7 });
    expect(next).toMatchObject({ ok: true, output: { leftover: null, value: 7 } });
  });
});

describe('time limit', () => {
  it('stops an infinite loop', async () => {
    const result = await runInline(`export default () => { while (true) {} };`, null, hostileLimits);
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('stops a busy async loop of awaited promises', async () => {
    const result = await runInline(`export default async () => { let n = 0; while (true) { await null; n += 1; } };`, null, hostileLimits);
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('stops an endless chain of promise jobs', async () => {
    const result = await runInline(`export default () => new Promise(() => { const spin = () => { Promise.resolve().then(spin); }; spin(); });`, null, hostileLimits);
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('stops an infinite loop at module top level', async () => {
    const result = await runInline(`for (;;) {}\nexport default () => 1;`, null, hostileLimits);
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('stops a loop hidden in a toJSON of the result', async () => {
    const result = await runInline(`export default () => ({ toJSON() { for (;;) {} } });`, null, hostileLimits);
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });
});

describe('memory limit', () => {
  it('stops huge arrays', async () => {
    const result = await runInline(`export default () => { const keep = []; for (;;) keep.push(new Array(100000).fill(1.5)); };`);
    expect(result).toMatchObject({ ok: false, error: { code: 'memory-limit' } });
  });

  it('stops string doubling', async () => {
    const result = await runInline(`export default () => { let s = 'x'; for (;;) { s = s + s; s.charCodeAt(s.length - 1); } };`);
    expect(result).toMatchObject({ ok: false, error: { code: 'memory-limit' } });
  });

  it('stops many materialised strings', async () => {
    const result = await runInline(`export default () => { const keep = []; for (let i = 0; ; i++) keep.push(String(i).repeat(100000)); };`);
    expect(result).toMatchObject({ ok: false, error: { code: 'memory-limit' } });
  });

  it('stops a promise chain that keeps growing', async () => {
    // Out of memory inside a promise job, QuickJS has no room left to build the error: it used to
    // arrive as "tool-threw: thrown value: null".
    const result = await runInline(`export default async () => { let p = Promise.resolve([]); for (;;) { p = p.then((a) => { a.push('x'.repeat(1000) + a.length); return a; }); } };`);
    expect(result).toMatchObject({ ok: false, error: { code: 'memory-limit' } });
  });

  it('stops async recursion that keeps growing', async () => {
    const result = await runInline(`export default async () => { const dive = async (n) => { await null; return [n, await dive(n + 1)]; }; return dive(0); };`);
    expect(result).toMatchObject({ ok: false, error: { code: 'memory-limit' } });
  });

  it('does not copy a huge error message out of the sandbox', async () => {
    const result = await runInline(`export default () => { throw new Error('x'.repeat(8 * 1024 * 1024)); };`, null, { ...ordinaryLimits, memoryLimitBytes: 64 * 1024 * 1024 });
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
    expect(JSON.stringify(result).length).toBeLessThan(10_000);
  });

  it('stops a single giant typed array', async () => {
    const result = await runInline(`export default () => new Uint8Array(1024 * 1024 * 1024).length;`);
    expect(result).toMatchObject({ ok: false, error: { code: 'memory-limit' } });
  });

  it('allows memory within the limit', async () => {
    const result = await runInline(`export default () => { const keep = []; for (let i = 0; i < 8; i++) keep.push(new Uint8Array(1024 * 1024)); return keep.length; };`);
    expect(result).toMatchObject({ ok: true, output: 8 });
  });
});

describe('crashing the host', () => {
  it('turns unbounded recursion into a stack-overflow error', async () => {
    const result = await runInline(`export default () => { const dive = (n) => dive(n + 1) + 1; return dive(0); };`);
    expect(result).toMatchObject({ ok: false, error: { code: 'stack-overflow' } });
  });

  it('clamps a raised guest stack limit so deep recursion cannot exhaust the host stack', async () => {
    const result = await runInline(`export default () => { const dive = (n) => [n].map(() => dive(n + 1))[0]; return dive(0); };`, null, {
      ...ordinaryLimits,
      stackLimitBytes: 8 * 1024 * 1024,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'stack-overflow' } });
  });

  it('reports a syntax error as a result', async () => {
    const result = await runInline(`export default () => {`);
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-syntax-error' } });
  });

  it('reports thrown non-errors and cyclic or non-JSON results', async () => {
    expect(await runInline(`export default () => { throw { toString() { throw new Error('nested'); } }; };`)).toMatchObject({ ok: false });
    expect(await runInline(`export default () => { const a = {}; a.self = a; return a; };`)).toMatchObject({ ok: false, error: { code: 'output-not-json' } });
    expect(await runInline(`export default () => 10n;`)).toMatchObject({ ok: false, error: { code: 'output-not-json' } });
  });

  it('reports a promise that can never settle', async () => {
    const result = await runInline(`export default () => new Promise(() => {});`);
    expect(result).toMatchObject({ ok: false, error: { code: 'tool-stalled' } });
  });

  it('caps an oversized result', async () => {
    // Decided by the output cap, so the clock gets the limit no busy machine reaches (2 s ran out under two hogs).
    const result = await runInline(`export default () => 'x'.repeat(3 * 1024 * 1024);`, null, { ...ordinaryLimits, memoryLimitBytes: 64 * 1024 * 1024 });
    expect(result).toMatchObject({ ok: false, error: { code: 'output-too-large' } });
  });

  it('caps a flood of console output', async () => {
    // Twice the 200 lines kept is enough to be cut; 20,000 lines took over 10 s of a worker (nice +10)
    // starved of CPU under two hogs, past the 5 s limit, and 2,000 took 3-6 s at load 21.
    const result = await runInline(`export default () => { for (let i = 0; i < 400; i++) console.log('line', i, 'x'.repeat(100)); return 'done'; };`, null, {
      timeoutMs: 5000,
      memoryLimitBytes: 32 * 1024 * 1024,
    });
    expect(result).toMatchObject({ ok: true, output: 'done' });
    expect(result.logs.length).toBeLessThanOrEqual(201);
    expect(result.logs.at(-1)).toMatch(/more log lines dropped/);
  });
});
