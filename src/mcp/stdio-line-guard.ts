import { Transform, type TransformCallback } from 'node:stream';
import { DEFAULT_MAX_REQUEST_BODY_SIZE, parseJSONRPCMessage } from '@modelcontextprotocol/server';

/**
 * What `lamarck mcp` reads from stdin before the SDK's stdio transport does. The transport skips a
 * line that is not JSON without a word, and a line that is JSON but not a JSON-RPC message only
 * reaches its error hook, so a client that sent either would wait for an answer forever. This
 * guard answers each such line itself with a JSON-RPC error (`-32700` parse error, `-32600`
 * invalid request, with the request's id when it has a usable one) and passes only well-formed
 * messages on. A line longer than the HTTP body cap (4 MiB) is dropped as it arrives, never held
 * whole, and answered the same way.
 */
export interface JsonRpcErrorLine {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string };
}

export function guardStdioLines(answer: (error: JsonRpcErrorLine) => void, maxLineBytes = DEFAULT_MAX_REQUEST_BODY_SIZE): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflowing = false;

  const finishLine = (line: Buffer, push: (chunk: Buffer) => void): void => {
    const text = line.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      answer(errorLine(null, -32700, `parse error: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    try {
      parseJSONRPCMessage(value);
    } catch {
      answer(errorLine(idOf(value), -32600, 'invalid request: not a JSON-RPC 2.0 message (one object with "jsonrpc": "2.0" and a method, or a response)'));
      return;
    }
    push(Buffer.from(`${text}\n`, 'utf8'));
  };

  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      let rest = chunk;
      for (;;) {
        const newline = rest.indexOf(0x0a);
        if (newline === -1) break;
        const piece = rest.subarray(0, newline);
        rest = rest.subarray(newline + 1);
        if (overflowing) {
          overflowing = false;
          answer(errorLine(null, -32600, `invalid request: a line over ${maxLineBytes} bytes was dropped`));
        } else {
          finishLine(Buffer.concat([...pending, piece]), (line) => this.push(line));
        }
        pending = [];
        pendingBytes = 0;
      }
      if (!overflowing && rest.length > 0) {
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
        if (pendingBytes > maxLineBytes) {
          overflowing = true;
          pending = [];
          pendingBytes = 0;
        }
      }
      done();
    },
    flush(done: TransformCallback) {
      if (!overflowing && pendingBytes > 0) finishLine(Buffer.concat(pending), (line) => this.push(line));
      done();
    },
  });
}

function errorLine(id: string | number | null, code: number, message: string): JsonRpcErrorLine {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

/** The id of a malformed request, when it has one a response may carry. */
function idOf(value: unknown): string | number | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}
