import { spawn } from 'node:child_process';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, seedProject, type SeededProject } from './support.ts';

/**
 * `lamarck mcp` over stdio, fed raw lines: every malformed one (not JSON, not JSON-RPC, an unknown
 * method, bad params, a line over 4 MiB) is answered with a JSON-RPC error or an isError result,
 * and the server still answers a valid call after a thousand of them.
 */
interface Reply {
  id?: string | number | null;
  error?: { code: number; message: string };
  result?: { isError?: boolean; structuredContent?: unknown };
}

describe('lamarck mcp over stdio, malformed input', () => {
  let project: SeededProject;

  beforeAll(async () => {
    project = await seedProject();
  });

  afterAll(() => project?.remove());

  it('answers a thousand malformed lines, one error each, and then a valid call', async () => {
    const child = spawn(process.execPath, [bin, 'mcp'], { cwd: project.path, env: getDefaultEnvironment(), stdio: ['pipe', 'pipe', 'pipe'] });
    const replies: Reply[] = [];
    let buffered = '';
    let waiter: (() => void) | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        replies.push(JSON.parse(buffered.slice(0, newline)) as Reply);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      waiter?.();
    });
    const until = async (test: () => boolean): Promise<void> => {
      while (!test()) await new Promise<void>((resolve) => (waiter = resolve));
    };
    const send = (line: string): boolean => child.stdin.write(`${line}\n`);
    try {
      send(JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }));
      await until(() => replies.some((reply) => reply.id === 'init'));
      send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));

      const kinds = [
        () => '{not json',
        () => '[1, 2, 3]',
        () => '"just text"',
        (n: number) => JSON.stringify({ id: `m${n}`, method: 'ping' }),
        (n: number) => JSON.stringify({ jsonrpc: '2.0', id: `m${n}`, method: 'tools/explode' }),
        (n: number) => JSON.stringify({ jsonrpc: '2.0', id: `m${n}`, method: 'tools/call', params: { name: 42 } }),
        (n: number) => JSON.stringify({ jsonrpc: '2.0', id: `m${n}`, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } }),
        (n: number) => JSON.stringify({ jsonrpc: '2.0', id: `m${n}`, method: 'tools/call', params: { name: 'get_item', arguments: { id: 'spell/x' } } }),
        (n: number) => JSON.stringify({ jsonrpc: '2.0', id: `m${n}`, method: 'resources/read', params: { uri: 7 } }),
      ];
      let notJson = 0;
      for (let number = 0; number < 1000; number += 1) {
        // Every two-hundredth line is over the 4 MiB cap.
        const huge = number % 200 === 199;
        if (!huge && number % kinds.length === 0) notJson += 1;
        const line = huge ? JSON.stringify({ jsonrpc: '2.0', id: `m${number}`, method: 'ping', params: { padding: 'x'.repeat(5 * 1024 * 1024) } }) : kinds[number % kinds.length]!(number);
        if (!send(line)) await new Promise<void>((resolve) => child.stdin.once('drain', () => resolve()));
      }
      send(JSON.stringify({ jsonrpc: '2.0', id: 'final', method: 'tools/call', params: { name: 'get_item', arguments: { id: 'lesson/fahrenheit-to-celsius' } } }));
      const answered = (reply: Reply): boolean => reply.id !== 'init' && reply.id !== 'final' && (typeof reply.error?.code === 'number' || reply.result?.isError === true);
      await until(() => replies.filter(answered).length >= 1000 && replies.some((reply) => reply.id === 'final'));
      expect(replies.filter(answered)).toHaveLength(1000);
      expect(replies.filter((reply) => reply.error?.code === -32700)).toHaveLength(notJson);
      expect(replies.find((reply) => reply.id === 'final')?.result?.structuredContent).toMatchObject({ name: 'fahrenheit-to-celsius' });
      expect(child.exitCode).toBeNull();
    } finally {
      child.stdin.end();
      await new Promise<void>((resolve) => (child.exitCode === null ? child.once('exit', () => resolve()) : resolve()));
    }
  }, 300_000);
});
