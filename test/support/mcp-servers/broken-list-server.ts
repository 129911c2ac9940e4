import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * A stdio "MCP server" that completes the handshake but answers tools/list with an error, and
 * writes its pid to the file named in argv[2] so a test can check that the host ended it. Written
 * with raw JSON-RPC because the SDK server would never refuse its own tools/list.
 */
const pidFile = process.argv[2];
if (pidFile !== undefined) writeFileSync(pidFile, String(process.pid));
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line) as { id?: number; method?: string; params?: { protocolVersion?: string } };
  if (message.id === undefined) return;
  const reply =
    message.method === 'initialize'
      ? {
          result: {
            protocolVersion: message.params?.protocolVersion ?? '2025-06-18',
            capabilities: { tools: {} },
            serverInfo: { name: 'broken-list', version: '1' },
          },
        }
      : { error: { code: -32603, message: 'tools/list is broken' } };
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: message.id, ...reply })}\n`);
});
// Ignores the end of stdin on purpose: only a signal from the host ends this process.
setInterval(() => undefined, 1_000);
