import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { Library } from '../../src/library/library.ts';
import { createDashboard, startDashboard } from '../../src/serve/dashboard-server.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { rawRequest, serveStore } from './support/dashboard.ts';
import { lamarck } from './support/demo-store.ts';
import { programRecord } from './support/program-records.ts';

/**
 * Safe by default: the bind, the token, Host and Origin checks, write actions, secrets, and
 * values JSON cannot carry. Real HTTP on 127.0.0.1, and Hono's app.request() where no port is needed.
 */
const secret = 'cfg-secret-value-9f8e7d6c5b4a';
const token = 'security-test-token-0123456789';
let root: string;
let storePath: string;
let runId: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lamarck-serve-security-'));
  storePath = join(root, 'store.db');
  const store = SqliteStore.open({ path: storePath });
  const run = await store.createRun({ kind: 'evolve', name: `edge cases ✓ 🧬 ${secret}`, config: { apiKey: secret, note: `configured with ${secret}`, problemDirectory: '/nowhere' } });
  runId = run.id;
  await store.putProgram(programRecord(run.id, 0, { score: Number.POSITIVE_INFINITY, metrics: { label: 'naïve ✓ 🧬 <b>bold</b>' } }));
  await store.putProgram(programRecord(run.id, 1, { score: Number.NEGATIVE_INFINITY, files: { 'main.py': `KEY = "${secret}"\n` } }));
  await store.putProgram(programRecord(run.id, 2, { score: Number.NaN }));
  await store.close();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('binding', () => {
  it('refuses a non-loopback bind without a token, with one line saying what to do', async () => {
    const store = SqliteStore.open({ path: storePath });
    try {
      const attempt = startDashboard({ store, library: new Library({ store }), host: '0.0.0.0', port: 0 });
      await expect(attempt).rejects.toBeInstanceOf(UsageError);
      await expect(attempt).rejects.toThrow(/^refusing to listen on 0\.0\.0\.0 without a token: .*--token <secret> or set LAMARCK_TOKEN/);
      await expect(startDashboard({ store, library: new Library({ store }), host: '0.0.0.0', port: 0, token: 'short' })).rejects.toThrow('at least 16 characters');
    } finally {
      await store.close();
    }
  });

  it('lamarck serve --host 0.0.0.0 exits 1 with a one-line error and listens nowhere', async () => {
    const result = await lamarck(root, 'serve', '--host', '0.0.0.0', '--port', '0', '--store', storePath);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: refusing to listen on 0\.0\.0\.0 without a token/);
  });

  it('lamarck serve runs as a process on 127.0.0.1, answers GET /api/runs, and stops on SIGTERM', async () => {
    const cli = new URL('../evolve/cli/run-cli.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, [cli, '--json', 'serve', '--port', '0', '--store', storePath], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /"url": "([^"]+)"/.exec(stdout);
        if (match !== null) resolve(match[1]!);
      });
      void exited.then(() => reject(new Error(`serve exited early: ${stderr}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const runs = (await (await fetch(`${url}/api/runs`)).json()) as { runs: { id: string }[] };
    expect(runs.runs.map((run) => run.id)).toEqual([runId]);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('requests', () => {
  let served: Awaited<ReturnType<typeof serveStore>>;
  let open: Awaited<ReturnType<typeof serveStore>>;

  beforeAll(async () => {
    served = await serveStore(storePath, { token, secrets: [secret] });
    open = await serveStore(storePath, { secrets: [secret] });
  });
  afterAll(async () => {
    await served?.close();
    await open?.close();
  });

  it('with a token, every request needs it: header, or a cookie set from ?token= on a page load', async () => {
    const url = served.dashboard.url;
    expect((await fetch(`${url}/api/runs`)).status).toBe(401);
    expect((await fetch(`${url}/`)).status).toBe(401);
    expect((await fetch(`${url}/assets/app.js`)).status).toBe(401);
    expect((await fetch(`${url}/api/runs`, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(`${url}/api/runs`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    const login = await fetch(`${url}/runs/${runId}?token=${token}`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe(`/runs/${runId}`);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = cookie.split(';')[0]!;
    expect((await fetch(`${url}/api/runs`, { headers: { Cookie: session } })).status).toBe(200);
    // The token in a query string is never accepted by the API (it would end up in logs and history).
    expect((await fetch(`${url}/api/runs?token=${token}`)).status).toBe(401);
  });

  it('refuses a Host that is not this server (DNS rebinding) and a foreign Origin', async () => {
    const url = open.dashboard.url;
    const port = open.dashboard.port;
    expect((await rawRequest(`${url}/api/runs`, { headers: { Host: `attacker.example:${port}` } })).status).toBe(403);
    expect((await rawRequest(`${url}/api/runs`, { headers: { Host: `127.0.0.1:${port + 1}` } })).status).toBe(403);
    expect((await rawRequest(`${url}/api/runs`, { headers: { Host: `localhost:${port}` } })).status).toBe(200);
    expect((await rawRequest(`${url}/api/runs`, { headers: { Origin: 'http://attacker.example' } })).status).toBe(403);
    expect((await rawRequest(`${url}/api/runs`, { headers: { Origin: `http://127.0.0.1:${port}` } })).status).toBe(200);
    expect((await rawRequest(`${url}/api/runs`, { headers: { 'Sec-Fetch-Site': 'cross-site' } })).status).toBe(403);
  });

  it('write actions need the token even on loopback', async () => {
    const body = JSON.stringify({ version: 1 });
    const refused = await fetch(`${open.dashboard.url}/api/library/lesson/x/rollback`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('write actions need a token');
    const allowed = await fetch(`${served.dashboard.url}/api/library/lesson/x/rollback`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body });
    expect(allowed.status).toBe(404);
  });

  it('never sends a configured secret or the token, and sends NaN and Infinity as text, unicode intact', async () => {
    const headers = { Authorization: `Bearer ${token}` };
    const bodies = await Promise.all(
      [`/api/runs`, `/api/runs/${runId}`, `/api/runs/${runId}/programs?view=all`, `/api/programs/prg_${runId}_1`, `/api/programs/prg_${runId}_0`, `/api/session`].map(async (path) => (await fetch(`${served.dashboard.url}${path}`, { headers })).text()),
    );
    for (const body of bodies) {
      expect(body).not.toContain(secret);
      expect(body).not.toContain(token);
    }
    expect(bodies[1]).toContain('[REDACTED]');
    const detail = JSON.parse(bodies[1]!) as { row: { name: string; bestScore: unknown } };
    expect(detail.row.name).toBe('edge cases ✓ 🧬 [REDACTED]');
    // No program has a finite score, so the run has no best (an infinite score is not a result).
    expect(detail.row.bestScore).toBeNull();
    const page = JSON.parse(bodies[2]!) as { programs: { score: unknown }[] };
    // SQLite keeps ±Infinity in a REAL column; NaN comes back as NULL.
    expect(page.programs.map((program) => program.score)).toEqual(['Infinity', '-Infinity', null]);
    const initial = JSON.parse(bodies[4]!) as { program: { metrics: Record<string, unknown> } };
    expect(initial.program.metrics['label']).toBe('naïve ✓ 🧬 <b>bold</b>');
  });

  it('sets a strict Content-Security-Policy and serves the page for every client route', async () => {
    const dashboard = createDashboard({ store: open.store, library: new Library({ store: open.store }), port: 4310 });
    try {
      const host = { headers: { Host: '127.0.0.1:4310' } };
      const response = await dashboard.app.request('http://127.0.0.1:4310/programs/prg_anything', host);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(await response.text()).toContain('<script type="module" src="/assets/app.js">');
      const script = await dashboard.app.request('http://127.0.0.1:4310/assets/app.js', host);
      expect(script.headers.get('content-type')).toContain('text/javascript');
      expect((await dashboard.app.request('http://127.0.0.1:4310/assets/missing.js', host)).status).toBe(404);
      expect((await dashboard.app.request('http://127.0.0.1:4310/api/runs', { headers: { Host: 'evil.example:4310' } })).status).toBe(403);
      expect((await dashboard.app.request('http://127.0.0.1:4310/api/runs')).status).toBe(403);
    } finally {
      await dashboard.close();
    }
  });
});

