import { request as httpRequest } from 'node:http';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { connectHttp, seedProject, startHttpCli, type HttpServerProcess, type SeededProject } from './support.ts';

const token = 'a-test-token-of-24-chars';

describe('lamarck mcp --http (the SDK client over Streamable HTTP on 127.0.0.1)', () => {
  let project: SeededProject;
  let open: HttpServerProcess;
  let guarded: HttpServerProcess;
  let client: Client;

  beforeAll(async () => {
    project = await seedProject();
    open = await startHttpCli(project.path);
    guarded = await startHttpCli(project.path, ['--token', token]);
    client = await connectHttp(open.url);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await open?.stop();
    await guarded?.stop();
    project?.remove();
  });

  it('lists, reads and searches', async () => {
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['search_library', 'get_item', 'knowledge_for_task']));
    const search = await client.callTool({ name: 'search_library', arguments: { query: 'csv column totals' } });
    expect((search.structuredContent as { items: { id: string }[] }).items[0]!.id).toBe('skill/csv-column-sums');
    const resource = await client.readResource({ uri: 'lamarck://lessons/fahrenheit-to-celsius' });
    expect((resource.contents[0] as { text: string }).text).toContain('Subtract 32');
  });

  it('refuses a foreign Origin and a foreign Host with 403', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const origin = await fetch(open.url, { method: 'POST', body, headers: { ...headers, origin: 'http://evil.example' } });
    expect(origin.status).toBe(403);
    expect(await origin.text()).toContain('cross-origin');
    const port = new URL(open.url).port;
    // fetch cannot set Host; node:http can, as a rebinding attacker's browser effectively would.
    const hostStatus = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(open.url, { method: 'POST', headers: { ...headers, host: `evil.example:${port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end(body);
    });
    expect(hostStatus).toBe(403);
  });

  it('needs the bearer token when one is set, and publishes protected-resource metadata', async () => {
    const refused = await fetch(guarded.url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(refused.status).toBe(401);
    const challenge = refused.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"$/);
    const metadata = await fetch(challenge.replace(/^Bearer resource_metadata="(.*)"$/, '$1'));
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({ resource: guarded.url, bearer_methods_supported: ['header'] });
    const wrong = await fetch(guarded.url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-wrong-token' } });
    expect(wrong.status).toBe(401);
    const withToken = await connectHttp(guarded.url, token);
    try {
      const item = await withToken.callTool({ name: 'get_item', arguments: { id: 'guardrail/no-rm-rf' } });
      expect(item.structuredContent).toMatchObject({ kind: 'guardrail', name: 'no-rm-rf' });
    } finally {
      await withToken.close();
    }
  });

  it('keeps serving after a thousand malformed requests, each answered with a JSON-RPC error', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const malformed = ['{not json', '[]', '{"jsonrpc":"2.0"}', '{"jsonrpc":"1.0","id":1,"method":"ping"}', '{"id":1,"method":42}', 'null', '"text"', '{"jsonrpc":"2.0","id":{},"method":"tools/call"}'];
    const statuses = new Map<number, number>();
    let withErrorBody = 0;
    for (let batch = 0; batch < 100; batch += 1) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, offset) => {
          const response = await fetch(open.url, { method: 'POST', body: malformed[(batch * 10 + offset) % malformed.length]!, headers });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const text = await response.text();
          if (/"jsonrpc":"2.0"/.test(text) && /"error"/.test(text)) withErrorBody += 1;
        }),
      );
    }
    expect([...statuses.keys()].every((status) => status >= 400 && status < 500)).toBe(true);
    expect(withErrorBody).toBe(1000);
    const after = await client.callTool({ name: 'get_item', arguments: { id: 'skill/csv-column-sums' } });
    expect(after.structuredContent).toMatchObject({ version: 2 });
  }, 300_000);
});

describe('lamarck mcp --http binds', () => {
  it('refuses an off-loopback bind without a token, before listening', async () => {
    let stderr = '';
    const streams = {
      stdout: { write: () => true } as unknown as NodeJS.WritableStream,
      stderr: { write: (text: string) => ((stderr += text), true) } as unknown as NodeJS.WritableStream,
    };
    const project = await seedProject();
    try {
      const code = await main(['mcp', '--http', '--host', '0.0.0.0', '--port', '0'], { cwd: project.path, env: {}, streams });
      expect(code).toBe(1);
      expect(stderr).toContain('refusing to listen on 0.0.0.0 without a token');
    } finally {
      project.remove();
    }
  });
});
