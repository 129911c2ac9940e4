import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runTool } from '../../src/sandbox/run-tool.ts';
import { effectiveHosts, isUrlAllowed } from '../../src/sandbox/tool-network.ts';
import { runInline, startLocalServer, type LocalServer } from './tool-fixtures.ts';

let server: LocalServer;
let toolsRoot: string;

const counterTool = {
  'tool.json': JSON.stringify({
    name: 'counter',
    description: 'Repeats a word count times.',
    inputSchema: {
      type: 'object',
      properties: { word: { type: 'string' }, count: { type: 'integer', minimum: 1 } },
      required: ['word', 'count'],
      additionalProperties: false,
    },
  }),
  'index.js': `export default async (input) => {
    console.log('repeating', input.word);
    return { text: Array.from({ length: input.count }, () => input.word).join(' ') };
  };`,
};

function writeTool(name: string, files: Record<string, string>): string {
  const directory = path.join(toolsRoot, name);
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(directory, file), content);
  return directory;
}

beforeAll(async () => {
  toolsRoot = mkdtempSync(path.join(os.tmpdir(), 'lamarck-run-tool-'));
  server = await startLocalServer((request, body) => {
    if (request.url === '/redirect') return { status: 302, headers: { location: 'http://evil.example/' }, body: '' };
    return { body: JSON.stringify({ method: request.method, url: request.url, echoed: body }) };
  });
});

afterAll(async () => {
  rmSync(toolsRoot, { recursive: true, force: true });
  await server.close();
});

describe('runTool', () => {
  it('runs a tool directory and captures console output', async () => {
    const directory = writeTool('counter', counterTool);
    const result = await runTool(directory, { word: 'hi', count: 3 });
    expect(result).toMatchObject({ ok: true, output: { text: 'hi hi hi' }, logs: ['repeating hi'] });
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('rejects input that does not match the schema, naming the field', async () => {
    const directory = writeTool('counter', counterTool);
    const result = await runTool(directory, { word: 'hi', count: 'three' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'input.count: expected integer, got string' } });
  });

  it('reports a missing or broken tool as a result', async () => {
    expect(await runTool(path.join(toolsRoot, 'nope'), {})).toMatchObject({ ok: false, error: { code: 'tool-not-found' } });
    const broken = writeTool('broken', { 'tool.json': JSON.stringify({ name: 'broken' }), 'index.js': '' });
    expect(await runTool(broken, {})).toMatchObject({ ok: false, error: { code: 'tool-invalid-manifest', message: expect.stringContaining('description') } });
  });

  it('fetches a host that is both declared and granted', async () => {
    const source = `export default async (input, ctx) => {
      const response = await ctx.fetch('${server.origin}/data', { method: 'POST', body: JSON.stringify({ q: input.q }), headers: { 'content-type': 'application/json' } });
      return { status: response.status, ok: response.ok, data: await response.json(), capabilities: ctx.capabilities };
    };`;
    const result = await runInline(source, { q: 'x' }, { timeoutMs: 30_000, memoryLimitBytes: 16 << 20, granted: { network: ['127.0.0.1'] } }, { capabilities: { network: ['127.0.0.1'] } });
    expect(result).toMatchObject({
      ok: true,
      output: { status: 200, ok: true, data: { method: 'POST', url: '/data', echoed: '{"q":"x"}' }, capabilities: { network: ['127.0.0.1'] } },
    });
  });

  it('does not follow redirects to hosts that were not granted', async () => {
    const before = server.requests.length;
    const source = `export default async (input, ctx) => { const r = await ctx.fetch('${server.origin}/redirect'); return { status: r.status, location: r.headers.location }; };`;
    const result = await runInline(source, null, { timeoutMs: 30_000, memoryLimitBytes: 16 << 20, granted: { network: [`127.0.0.1:${server.port}`] } }, {
      capabilities: { network: ['127.0.0.1'] },
    });
    expect(result).toMatchObject({ ok: true, output: { status: 302, location: 'http://evil.example/' } });
    expect(server.requests.length).toBe(before + 1);
  });

  it('lets the tool catch a denied request and go on', async () => {
    const source = `export default async (input, ctx) => { try { await ctx.fetch('https://other.example/'); return 'fetched'; } catch (error) { return error.name + ': ' + error.message; } };`;
    const result = await runInline(source, null, { timeoutMs: 30_000, memoryLimitBytes: 16 << 20, granted: { network: ['api.example.com'] } }, {
      capabilities: { network: ['api.example.com'] },
    });
    expect(result).toMatchObject({ ok: true, output: expect.stringMatching(/^CapabilityError: network access to other\.example was not granted/) });
  });

  it('stops a tool whose fetch outlives the time limit', async () => {
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const source = `export default async (input, ctx) => (await ctx.fetch('https://slow.example/')).status;`;
    const result = await runInline(source, null, { timeoutMs: 200, memoryLimitBytes: 16 << 20, granted: { network: ['slow.example'] }, fetch: hanging }, {
      capabilities: { network: ['slow.example'] },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('stops a call when its abort signal fires', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const source = `export default async (input, ctx) => (await ctx.fetch('https://slow.example/')).status;`;
    const result = await runInline(source, null, { timeoutMs: 10_000, memoryLimitBytes: 16 << 20, granted: { network: ['slow.example'] }, fetch: hanging, signal: controller.signal }, {
      capabilities: { network: ['slow.example'] },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'aborted' } });
  });

  it('bounds how many host calls a tool may have in flight', async () => {
    let started = 0;
    const counting: typeof fetch = async () => {
      started += 1;
      return new Response('{}');
    };
    const source = `export default async (input, ctx) => { const all = []; for (let n = 0; n < 300; n++) all.push(ctx.fetch('https://a.example/')); await Promise.all(all); return 'done'; };`;
    const result = await runInline(source, null, { timeoutMs: 30_000, memoryLimitBytes: 16 << 20, granted: { network: ['a.example'] }, fetch: counting }, {
      capabilities: { network: ['a.example'] },
    });
    expect(result).toMatchObject({ ok: false, error: { message: expect.stringContaining('at most 16 host calls in flight') } });
    expect(started).toBeLessThanOrEqual(16);
  });

  it('keeps concurrent calls apart', async () => {
    const delayed: typeof fetch = async (url) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return new Response(JSON.stringify({ url: String(url) }));
    };
    const source = `let calls = 0;
      export default async (input, ctx) => {
        calls += 1;
        globalThis.mine = input.id;
        const response = await ctx.fetch('https://a.example/' + input.id);
        return { id: input.id, seen: globalThis.mine, calls, url: (await response.json()).url };
      };`;
    const options = { timeoutMs: 30_000, memoryLimitBytes: 16 << 20, granted: { network: ['a.example'] }, fetch: delayed };
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, id) => runInline(source, { id }, options, { capabilities: { network: ['a.example'] } })),
    );
    results.forEach((result, id) => {
      expect(result).toMatchObject({ ok: true, output: { id, seen: id, calls: 1, url: `https://a.example/${id}` } });
    });
  });

  it('supports top-level await and non-object results', async () => {
    expect(await runInline(`const base = await Promise.resolve(40);\nexport default (input) => base + input;`, 2)).toMatchObject({ ok: true, output: 42 });
    expect(await runInline(`export default () => undefined;`)).toMatchObject({ ok: true, output: null });
  });
});

describe('network grants', () => {
  it('intersects declared and granted hosts', () => {
    expect(effectiveHosts(['api.example.com', 'other.com'], ['api.example.com'])).toEqual(['api.example.com']);
    expect(effectiveHosts(['*.example.com'], ['api.example.com'])).toEqual(['api.example.com']);
    expect(effectiveHosts(['api.example.com'], ['*.example.com'])).toEqual(['api.example.com']);
    expect(effectiveHosts(['api.example.com'], [])).toEqual([]);
    expect(effectiveHosts(['example.com'], ['*.example.com'])).toEqual([]);
    expect(effectiveHosts(['127.0.0.1'], ['127.0.0.1:8080'])).toEqual(['127.0.0.1:8080']);
    expect(effectiveHosts(['127.0.0.1:8080'], ['127.0.0.1'])).toEqual(['127.0.0.1:8080']);
    expect(effectiveHosts(['127.0.0.1:8080'], ['127.0.0.1:9090'])).toEqual([]);
  });

  it('matches URLs by host, port and scheme', () => {
    expect(isUrlAllowed(new URL('https://api.example.com/x'), ['api.example.com'])).toBe(true);
    expect(isUrlAllowed(new URL('https://api.example.com.evil.net/'), ['api.example.com'])).toBe(false);
    expect(isUrlAllowed(new URL('http://127.0.0.1:8080/'), ['127.0.0.1:8080'])).toBe(true);
    expect(isUrlAllowed(new URL('http://127.0.0.1:9090/'), ['127.0.0.1:8080'])).toBe(false);
    expect(isUrlAllowed(new URL('https://a.b.example.com/'), ['*.example.com'])).toBe(true);
    expect(isUrlAllowed(new URL('https://example.com/'), ['*.example.com'])).toBe(false);
    expect(isUrlAllowed(new URL('ftp://api.example.com/'), ['api.example.com'])).toBe(false);
  });
});

describe('lamarck tools run', () => {
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await main(args, { cwd: toolsRoot, env: {}, streams: { stdout, stderr } });
    return { code, stdout: out, stderr: err };
  }

  it('prints the result as JSON', async () => {
    writeTool('counter', counterTool);
    const { code, stdout } = await cli(['tools', 'run', 'counter', '--input', '{"word":"ok","count":2}']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, output: { text: 'ok ok' }, logs: ['repeating ok'] });
  });

  it('exits 1 with an error naming the field when the input does not match', async () => {
    writeTool('counter', counterTool);
    const { code, stdout } = await cli(['tools', 'run', 'counter', '--input', '{"word":"ok"}']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'input.count: is required' } });
  });

  it('exits 1 on input that is not JSON', async () => {
    writeTool('counter', counterTool);
    const { code, stderr } = await cli(['tools', 'run', 'counter', '--input', '{word']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/--input is not valid JSON/);
  });

  it('applies --grant-network and --timeout', async () => {
    writeTool('fetcher', {
      'tool.json': JSON.stringify({ name: 'fetcher', description: 'Fetches the local server.', capabilities: { network: ['127.0.0.1'] } }),
      'index.js': `export default async (input, ctx) => (await ctx.fetch('${server.origin}/cli')).status;`,
    });
    const granted = await cli(['tools', 'run', 'fetcher', '--grant-network', '127.0.0.1', '--timeout', '5000']);
    expect(JSON.parse(granted.stdout)).toMatchObject({ ok: true, output: 200 });
    const denied = await cli(['tools', 'run', 'fetcher']);
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.stdout)).toMatchObject({ ok: false, error: { code: 'tool-threw' } });
  });
});
