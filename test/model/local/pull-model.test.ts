import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCallError, UsageError } from '../../../src/core/errors.ts';
import { listLocalModels, pullModel, resolveModelSource } from '../../../src/model/local/index.ts';
import { main } from '../../../src/cli/main.ts';
import { writeTinyGguf } from '../../support/tiny-gguf.ts';

let directory: string;
let refusedPort: number;
let silent: TcpServer;
const silentSockets = new Set<Socket>();
let silentPort: number;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lamarck-pull-'));
  // A port that was just free: connecting to it is refused at once, with no DNS involved.
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  refusedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  // A server that accepts connections and never answers: the probe must give up on its own.
  silent = createTcpServer((socket) => silentSockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await rm(directory, { recursive: true, force: true });
});

function capture(): { streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }; out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    ({ write: (chunk: string | Uint8Array) => (append(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
  return {
    streams: { stdout: sink((text) => (stdout += text)), stderr: sink((text) => (stderr += text)) },
    out: () => stdout,
    err: () => stderr,
  };
}

describe('pullModel', () => {
  it('resolves aliases and rejects unknown sources', () => {
    expect(resolveModelSource('qwen2.5-0.5b')).toMatch(/^hf:Qwen\/Qwen2\.5-0\.5B-Instruct-GGUF/);
    expect(resolveModelSource('hf:someone/some-model-GGUF:Q8_0')).toBe('hf:someone/some-model-GGUF:Q8_0');
    expect(() => resolveModelSource('not-a-model')).toThrow(UsageError);
  });

  it('fails quickly with a way out when the endpoint refuses connections', async () => {
    const error = await pullModel({
      source: 'qwen2.5-0.5b',
      cwd: directory,
      huggingFaceEndpoint: `http://127.0.0.1:${refusedPort}/`,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).code).toBe('model-download-offline');
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).toContain('local:/path/to/model.gguf');
    expect((error as Error).message).toContain(join(directory, '.lamarck', 'models'));
  });

  it('gives up after the probe timeout when the endpoint never answers', async () => {
    const error = await pullModel({
      source: `http://127.0.0.1:${silentPort}/model.gguf`,
      cwd: directory,
      probeTimeoutMs: 300,
    }).catch((caught: unknown) => caught);
    expect((error as ModelCallError).code).toBe('model-download-offline');
    expect((error as Error).message).toContain('no answer within 300 ms');
  });

  it('downloads a GGUF over HTTP into .lamarck/models and describes it', async () => {
    const source = join(directory, 'served.gguf');
    await writeTinyGguf(source, { seed: 3 });
    const body = await readFile(source);
    const server: Server = createServer((request, response) => {
      if (request.url !== '/files/tiny-model.gguf') {
        response.writeHead(404).end();
        return;
      }
      const range = /bytes=(\d+)-(\d*)/.exec(request.headers.range ?? '');
      const start = range === null ? 0 : Number(range[1]);
      const end = range === null || range[2] === '' ? body.length - 1 : Number(range[2]);
      const headers = {
        'content-type': 'application/octet-stream',
        'accept-ranges': 'bytes',
        'content-length': String(end - start + 1),
        ...(range === null ? {} : { 'content-range': `bytes ${start}-${end}/${body.length}` }),
      };
      response.writeHead(range === null ? 200 : 206, headers);
      response.end(request.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const project = join(directory, 'project');
      await mkdir(project);
      const result = await pullModel({ source: `http://127.0.0.1:${port}/files/tiny-model.gguf`, cwd: project });
      expect(result.path).toBe(join(project, '.lamarck', 'models', 'tiny-model.gguf'));
      expect(result.bytes).toBe(body.length);
      expect(result.architecture).toBe('llama');
      expect(result.spec).toBe(`local:${result.path}`);
      expect(Buffer.compare(await readFile(result.path), body)).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('lamarck model', () => {
  it('ls lists GGUF files with size and architecture, and flags files that are not GGUF', async () => {
    const project = join(directory, 'ls-project');
    const models = join(project, '.lamarck', 'models');
    await mkdir(models, { recursive: true });
    const tiny = await writeTinyGguf(join(models, 'tiny.gguf'), { seed: 9 });
    await writeFile(join(models, 'broken.gguf'), 'not a model at all');
    await writeFile(join(models, 'readme.txt'), 'ignored');

    const listed = await listLocalModels(models);
    expect(listed.map((file) => file.fileName)).toEqual(['broken.gguf', 'tiny.gguf']);
    expect(listed[1]).toMatchObject({ bytes: tiny.bytes, architecture: 'llama', name: 'lamarck-tiny-test', contextLength: 2048 });
    expect(listed[0]?.error).toMatch(/not a GGUF/);

    const io = capture();
    expect(await main(['model', 'ls'], { cwd: project, env: {}, streams: io.streams })).toBe(0);
    expect(io.out()).toMatch(/tiny\.gguf\s+\d+\.\d KiB\s+llama\s+context 2048/);
    expect(io.out()).toMatch(/broken\.gguf.*unreadable/);

    const json = capture();
    expect(await main(['--json', 'model', 'ls'], { cwd: project, env: {}, streams: json.streams })).toBe(0);
    expect(JSON.parse(json.out())).toHaveLength(2);
  });

  it('pull prints one clear error line and exits 1 when offline', async () => {
    const io = capture();
    const code = await main(['model', 'pull', 'qwen2.5-1.5b', '--probe-timeout', '2000'], {
      cwd: directory,
      env: { HF_ENDPOINT: `http://127.0.0.1:${refusedPort}/` },
      streams: io.streams,
    });
    expect(code).toBe(1);
    expect(io.err()).toMatch(/^error: cannot reach http:\/\/127\.0\.0\.1:\d+\/ \(ECONNREFUSED/);
    expect(io.err()).toContain('local:/path/to/model.gguf');
    expect(io.err().trim().split('\n')).toHaveLength(1);
  });
});
