import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the wire protocols real providers speak: OpenAI chat completions
 * (JSON and SSE, tool calls, usage with `stream_options.include_usage`), OpenAI embeddings, and
 * Anthropic messages (JSON and the SSE event sequence). Each test queues the replies it wants,
 * including failures (status codes with Retry-After, dropped connections, slow or truncated
 * bodies), and reads back the requests the client sent. Shapes follow the providers' API
 * references and what the AI SDK providers parse.
 */
export interface ReplyUsage {
  inputTokens: number;
  outputTokens: number;
}

export type ProtocolReply =
  | { text: string; usage?: ReplyUsage; finishReason?: 'stop' | 'length' }
  /** `rawArguments`: the OpenAI `arguments` text sent as is (e.g. not JSON) instead of `input` serialized. */
  | { toolCalls: Array<{ name: string; input: unknown; id?: string; rawArguments?: string }>; text?: string; usage?: ReplyUsage }
  /** A 200 (or `httpStatus`) answer with exactly this JSON body, e.g. `{"error": ...}` from a gateway. */
  | { body: unknown; httpStatus?: number }
  | { embeddings: number[][]; usage?: { inputTokens: number } }
  /** An HTTP error in the protocol's error shape; `headers` for Retry-After and friends. */
  | { status: number; message?: string; headers?: Record<string, string> }
  /** Closes the socket without answering. */
  | { dropConnection: true }
  /** Waits before answering (for timeouts). */
  | { delayMs: number; then: ProtocolReply }
  /** Sends the reply's body cut in half: a JSON body that does not parse, or a stream that stops early. */
  | { truncate: true; reply: ProtocolReply }
  /** The reply this function makes of the request's body: a model whose answer depends on what it is asked. */
  | { respond: (body: Record<string, unknown>) => ProtocolReply };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface ProtocolServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Base URL for OpenAI, OpenAI-compatible and Anthropic providers (all live under /v1). */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  enqueue(...replies: ProtocolReply[]): void;
  /** Replies not yet used. */
  readonly pending: number;
  close(): Promise<void>;
}

export async function startProtocolServer(): Promise<ProtocolServer> {
  const queue: ProtocolReply[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `protocol server bug: ${String(error)}` } }));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    const path = (request.url ?? '/').split('?')[0]!;
    requests.push({ method: request.method ?? 'GET', path, headers: request.headers, body });
    const protocol = protocolOf(path);
    if (protocol === undefined) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `no route for ${request.method} ${path}` } }));
      return;
    }
    const reply = queue.shift();
    if (reply === undefined) {
      sendError(response, protocol, 500, 'protocol server: no scripted reply left for this request', {});
      return;
    }
    await respond(request, response, protocol, body, reply, false);
  }

  async function respond(
    request: IncomingMessage,
    response: ServerResponse,
    protocol: Protocol,
    body: Record<string, unknown>,
    reply: ProtocolReply,
    truncate: boolean,
  ): Promise<void> {
    if ('dropConnection' in reply) {
      request.socket.destroy();
      return;
    }
    if ('delayMs' in reply) {
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve(false);
        }, reply.delayMs);
        timers.add(timer);
        response.on('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
          resolve(true);
        });
      });
      if (closed || response.writableEnded) return;
      await respond(request, response, protocol, body, reply.then, truncate);
      return;
    }
    if ('respond' in reply) {
      await respond(request, response, protocol, body, reply.respond(body), truncate);
      return;
    }
    if ('truncate' in reply) {
      await respond(request, response, protocol, body, reply.reply, true);
      return;
    }
    if ('body' in reply) {
      const text = JSON.stringify(reply.body);
      response.writeHead(reply.httpStatus ?? 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
      return;
    }
    if ('status' in reply) {
      sendError(response, protocol, reply.status, reply.message ?? `scripted status ${reply.status}`, reply.headers ?? {});
      return;
    }
    const model = typeof body['model'] === 'string' ? body['model'] : 'unknown-model';
    if (protocol === 'openai-embeddings') {
      sendJson(response, embeddingsBody(reply, body, model), truncate);
      return;
    }
    if ('embeddings' in reply) throw new Error('an embeddings reply was queued for a chat request');
    const streaming = body['stream'] === true;
    if (protocol === 'openai-chat') {
      if (!streaming) sendJson(response, openaiChatBody(reply, model), truncate);
      else sendEvents(response, openaiChatChunks(reply, model, includeUsage(body)), truncate);
      return;
    }
    if (!streaming) sendJson(response, anthropicBody(reply, model), truncate);
    else sendEvents(response, anthropicEvents(reply, model), truncate);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    get pending() {
      return queue.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Protocol = 'openai-chat' | 'openai-embeddings' | 'anthropic-messages';

function protocolOf(path: string): Protocol | undefined {
  if (path.endsWith('/chat/completions')) return 'openai-chat';
  if (path.endsWith('/embeddings')) return 'openai-embeddings';
  if (path.endsWith('/messages')) return 'anthropic-messages';
  return undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function includeUsage(body: Record<string, unknown>): boolean {
  const options = body['stream_options'] as { include_usage?: unknown } | undefined;
  return options?.include_usage === true;
}

// ---- sending ------------------------------------------------------------------------------------

function sendJson(response: ServerResponse, value: unknown, truncate: boolean): void {
  const text = JSON.stringify(value);
  const body = truncate ? text.slice(0, Math.floor(text.length / 2)) : text;
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Server-sent events: `event:` lines only where the protocol names events (Anthropic does). */
function sendEvents(response: ServerResponse, events: Array<{ event?: string; data: string }>, truncate: boolean): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  response.flushHeaders();
  const count = truncate ? Math.max(1, Math.floor(events.length / 2)) : events.length;
  for (const { event, data } of events.slice(0, count)) {
    response.write(`${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`);
  }
  if (truncate) {
    // A stream cut mid-chunk: half a JSON object, then the connection goes away.
    // Destroy only after the bytes left, or the client would see a plain connection reset.
    response.write('data: {"id":"chatcmpl-cut","choi', () => setTimeout(() => response.socket?.destroy(), 20));
    return;
  }
  response.end();
}

function sendError(response: ServerResponse, protocol: Protocol, status: number, message: string, headers: Record<string, string>): void {
  const body =
    protocol === 'anthropic-messages'
      ? { type: 'error', error: { type: anthropicErrorType(status), message } }
      : { error: { message, type: openaiErrorType(status), param: null, code: null } };
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function openaiErrorType(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 401) return 'invalid_request_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

// ---- OpenAI shapes ------------------------------------------------------------------------------

type ChatReply = Exclude<ProtocolReply, { embeddings: unknown } | { status: number } | { dropConnection: true } | { delayMs: number } | { truncate: true } | { body: unknown } | { respond: unknown }>;

let sequence = 0;
const nextId = (prefix: string): string => `${prefix}${(sequence += 1).toString(36).padStart(8, '0')}`;
const created = (): number => Math.floor(Date.now() / 1000);

function usageOf(reply: ChatReply): ReplyUsage {
  if (reply.usage !== undefined) return reply.usage;
  const text = 'toolCalls' in reply ? JSON.stringify(reply.toolCalls) : reply.text;
  return { inputTokens: 12, outputTokens: Math.max(1, Math.ceil(text.length / 4)) };
}

function openaiUsage(usage: ReplyUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function openaiChatBody(reply: ChatReply, model: string) {
  const toolCalls = 'toolCalls' in reply ? reply.toolCalls.map((call) => ({ ...call, id: call.id ?? nextId('call_') })) : [];
  const text = 'toolCalls' in reply ? (reply.text ?? null) : reply.text;
  return {
    id: nextId('chatcmpl-'),
    object: 'chat.completion',
    created: created(),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          refusal: null,
          ...(toolCalls.length === 0
            ? {}
            : {
                tool_calls: toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: call.rawArguments ?? JSON.stringify(call.input) },
                })),
              }),
          annotations: [],
        },
        logprobs: null,
        finish_reason: toolCalls.length > 0 ? 'tool_calls' : ('finishReason' in reply ? reply.finishReason : undefined) ?? 'stop',
      },
    ],
    usage: openaiUsage(usageOf(reply)),
    service_tier: 'default',
    system_fingerprint: 'fp_protocol_server',
  };
}

function openaiChatChunks(reply: ChatReply, model: string, withUsage: boolean): Array<{ data: string }> {
  const id = nextId('chatcmpl-');
  const base = { id, object: 'chat.completion.chunk', created: created(), model, service_tier: 'default', system_fingerprint: 'fp_protocol_server' };
  const chunk = (choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
    data: JSON.stringify({ ...base, choices: choice === undefined ? [] : [{ index: 0, logprobs: null, finish_reason: null, ...choice }], ...(withUsage ? { usage: null } : {}), ...extra }),
  });
  const chunks = [chunk({ delta: { role: 'assistant', content: '', refusal: null } })];
  const text = 'toolCalls' in reply ? (reply.text ?? '') : reply.text;
  for (const piece of splitText(text)) chunks.push(chunk({ delta: { content: piece } }));
  if ('toolCalls' in reply) {
    reply.toolCalls.forEach((call, index) => {
      chunks.push(
        chunk({ delta: { tool_calls: [{ index, id: call.id ?? nextId('call_'), type: 'function', function: { name: call.name, arguments: '' } }] } }),
      );
      for (const piece of splitJson(call.rawArguments ?? JSON.stringify(call.input))) {
        chunks.push(chunk({ delta: { tool_calls: [{ index, function: { arguments: piece } }] } }));
      }
    });
  }
  const finish = 'toolCalls' in reply ? 'tool_calls' : (reply.finishReason ?? 'stop');
  chunks.push(chunk({ delta: {}, finish_reason: finish }));
  if (withUsage) chunks.push({ data: JSON.stringify({ ...base, choices: [], usage: openaiUsage(usageOf(reply)) }) });
  chunks.push({ data: '[DONE]' });
  return chunks;
}

function embeddingsBody(reply: ProtocolReply, body: Record<string, unknown>, model: string) {
  const input = body['input'];
  const values = Array.isArray(input) ? (input as unknown[]).map(String) : [String(input)];
  const embeddings = 'embeddings' in reply ? reply.embeddings : values.map((value) => [value.length, 1, 0]);
  const tokens = 'embeddings' in reply && reply.usage !== undefined ? reply.usage.inputTokens : values.reduce((sum, value) => sum + Math.ceil(value.length / 4), 0);
  return {
    object: 'list',
    data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

// ---- Anthropic shapes ---------------------------------------------------------------------------

function anthropicUsage(usage: ReplyUsage, outputTokens: number) {
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function anthropicContent(reply: ChatReply): Array<Record<string, unknown>> {
  const content: Array<Record<string, unknown>> = [];
  const text = 'toolCalls' in reply ? reply.text : reply.text;
  if (text !== undefined && text !== '') content.push({ type: 'text', text });
  if ('toolCalls' in reply) {
    for (const call of reply.toolCalls) content.push({ type: 'tool_use', id: call.id ?? nextId('toolu_'), name: call.name, input: call.input });
  }
  return content;
}

function anthropicStopReason(reply: ChatReply): string {
  if ('toolCalls' in reply) return 'tool_use';
  return reply.finishReason === 'length' ? 'max_tokens' : 'end_turn';
}

function anthropicBody(reply: ChatReply, model: string) {
  const usage = usageOf(reply);
  return {
    id: nextId('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content: anthropicContent(reply),
    stop_reason: anthropicStopReason(reply),
    stop_sequence: null,
    usage: anthropicUsage(usage, usage.outputTokens),
  };
}

function anthropicEvents(reply: ChatReply, model: string): Array<{ event: string; data: string }> {
  const usage = usageOf(reply);
  const events: Array<{ event: string; data: string }> = [];
  const push = (value: { type: string } & Record<string, unknown>) => events.push({ event: value.type, data: JSON.stringify(value) });
  push({
    type: 'message_start',
    message: {
      id: nextId('msg_'),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(usage, 1),
    },
  });
  anthropicContent(reply).forEach((block, index) => {
    if (block['type'] === 'text') {
      push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) push({ type: 'ping' });
      for (const piece of splitText(String(block['text']))) push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    } else {
      push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block['id'], name: block['name'], input: {} } });
      push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const piece of splitJson(JSON.stringify(block['input']))) {
        push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
    }
    push({ type: 'content_block_stop', index });
  });
  push({ type: 'message_delta', delta: { stop_reason: anthropicStopReason(reply), stop_sequence: null }, usage: { output_tokens: usage.outputTokens } });
  push({ type: 'message_stop' });
  return events;
}

// ---- chunking -----------------------------------------------------------------------------------

function splitText(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function splitJson(json: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < json.length; start += 7) pieces.push(json.slice(start, start + 7));
  return pieces;
}
