import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/client';
import { SkillsClient } from '@modelcontextprotocol/client/ext/skills';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skill } from '../library/support.ts';
import { bin, connectHttp, connectStdio, seedProject, startHttpCli, withStore, type HttpServerProcess, type SeededProject } from './support.ts';

/**
 * Two `lamarck mcp` processes on one SQLite store (one over stdio, one over HTTP), each with its
 * own client; the library is changed by a third process. Each client must hear of the change
 * through notifications and then read the new version. Every wait is for a recorded
 * notification, with a generous limit: nothing here depends on how fast a poll comes round.
 */
interface Heard {
  method: string;
  uri?: string;
}

class NotificationLog {
  readonly heard: Heard[] = [];
  #waiters: { test: (heard: Heard) => boolean; resolve: () => void }[] = [];

  constructor(client: Client) {
    client.setNotificationHandler('notifications/resources/updated', (notification) => this.#record({ method: notification.method, uri: notification.params.uri }));
    client.setNotificationHandler('notifications/resources/list_changed', (notification) => this.#record({ method: notification.method }));
  }

  /** Resolves once a matching notification has arrived (also one that arrived before the call). */
  waitFor(test: (heard: Heard) => boolean, what: string, timeoutMs = 90_000): Promise<void> {
    if (this.heard.some(test)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; heard: ${JSON.stringify(this.heard)}`)), timeoutMs);
      this.#waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  clear(): void {
    this.heard.length = 0;
  }

  #record(heard: Heard): void {
    this.heard.push(heard);
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.test(heard)) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }
}

const token = 'a-notifications-test-token';
const updated = (uri: string) => (heard: Heard) => heard.method === 'notifications/resources/updated' && heard.uri === uri;
const listChanged = (heard: Heard) => heard.method === 'notifications/resources/list_changed';

function runCli(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: getDefaultEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('library notifications across processes on one store', () => {
  let project: SeededProject;
  let http: HttpServerProcess;
  let overHttp: Client;
  let overStdio: Client;
  let httpLog: NotificationLog;
  let stdioLog: NotificationLog;

  beforeAll(async () => {
    project = await seedProject();
    // With a token, so the HTTP session may write too (the stdio one always may).
    http = await startHttpCli(project.path, ['--poll-ms', '100', '--token', token]);
    overHttp = new Client({ name: 'watcher-http', version: '1' });
    httpLog = new NotificationLog(overHttp);
    await connectHttp(http.url, token, overHttp);
    overStdio = new Client({ name: 'watcher-stdio', version: '1' });
    stdioLog = new NotificationLog(overStdio);
    await connectStdio(project.path, ['--poll-ms', '100'], overStdio);
  }, 120_000);

  afterAll(async () => {
    await overHttp?.close();
    await overStdio?.close();
    await http?.stop();
    project?.remove();
  });

  it('declares resource subscriptions and list changes', () => {
    for (const client of [overHttp, overStdio]) expect(client.getServerCapabilities()?.resources).toMatchObject({ subscribe: true, listChanged: true });
  });

  it('tells both clients when another process rolls a skill back, and they then read the old version', async () => {
    for (const client of [overHttp, overStdio]) {
      await client.subscribeResource({ uri: 'lamarck://skills/csv-column-sums' });
      await client.subscribeResource({ uri: 'skill://csv-column-sums/SKILL.md' });
    }
    const rollback = await runCli(project.path, ['library', 'skills', 'rollback', 'csv-column-sums@1']);
    expect(rollback.code, rollback.stderr).toBe(0);

    for (const log of [httpLog, stdioLog]) {
      await log.waitFor(updated('lamarck://skills/csv-column-sums'), 'updated for lamarck://skills/csv-column-sums');
      await log.waitFor(updated('skill://csv-column-sums/SKILL.md'), 'updated for skill://csv-column-sums/SKILL.md');
      await log.waitFor(listChanged, 'list_changed');
    }
    for (const client of [overHttp, overStdio]) {
      const head = await client.readResource({ uri: 'lamarck://skills/csv-column-sums' });
      expect((head.contents[0] as { text: string }).text).not.toContain('skipping blanks');
      // The skills extension serves the rolled-back content with matching digests.
      const skills = new SkillsClient(client);
      const { skills: entries } = await skills.list();
      const manifest = await skills.read(entries.find((entry) => entry.frontmatter.name === 'csv-column-sums')!);
      expect(manifest.verified).toBe(true);
      expect(manifest.body).not.toContain('skipping blanks');
      expect(manifest.body).toContain('Add every numeric cell per column.');
    }
  });

  it('tells both clients about a new committed skill and a new lesson version, and only subscribers get updated', async () => {
    httpLog.clear();
    stdioLog.clear();
    await overHttp.subscribeResource({ uri: 'lamarck://lessons/fahrenheit-to-celsius' });
    // The stdio client did not subscribe to the lesson: it hears list_changed only.
    await withStore(project.storePath, async (library) => {
      await library.add('skill', 'tsv-column-sums', skill('Sum the numeric columns of a TSV file and report totals per column.'));
      await library.update('lesson', 'fahrenheit-to-celsius', (current) => ({ ...current.content, text: 'Subtract 32, then multiply by 5/9. Check: 212 F is 100 C.' }));
    });
    await httpLog.waitFor(updated('lamarck://lessons/fahrenheit-to-celsius'), 'updated for the lesson');
    for (const [client, log] of [
      [overHttp, httpLog],
      [overStdio, stdioLog],
    ] as const) {
      // Any list_changed after the clear comes from a look at the store that already held the
      // new skill (it was committed first), so the listing has it from then on.
      await log.waitFor(listChanged, 'list_changed');
      const { resources } = await client.listResources();
      expect(resources.map((resource) => resource.uri)).toEqual(expect.arrayContaining(['skill://tsv-column-sums/SKILL.md', 'lamarck://skills/tsv-column-sums']));
      const search = await client.callTool({ name: 'search_library', arguments: { query: 'tsv column totals', kinds: ['skill'], k: 1 } });
      expect((search.structuredContent as { items: { id: string }[] }).items[0]!.id).toBe('skill/tsv-column-sums');
    }
    const lesson = await overHttp.readResource({ uri: 'lamarck://lessons/fahrenheit-to-celsius' });
    expect((lesson.contents[0] as { text: string }).text).toContain('212 F is 100 C');
    expect(stdioLog.heard.some((heard) => heard.uri === 'lamarck://lessons/fahrenheit-to-celsius')).toBe(false);
  });

  it("each client hears the other's rollback made through the MCP rollback tool", async () => {
    httpLog.clear();
    stdioLog.clear();
    await overStdio.subscribeResource({ uri: 'lamarck://lessons/fahrenheit-to-celsius' });
    // The HTTP client returns the skill to version 2 (it is at 1 since the CLI rollback above).
    const overHttpRollback = await overHttp.callTool({ name: 'rollback', arguments: { id: 'skill/csv-column-sums@2' } });
    expect(overHttpRollback.isError, JSON.stringify(overHttpRollback.content)).toBeFalsy();
    await stdioLog.waitFor(updated('lamarck://skills/csv-column-sums'), 'updated for the skill rolled back over HTTP');
    const skillNow = await overStdio.callTool({ name: 'get_item', arguments: { id: 'skill/csv-column-sums' } });
    expect(skillNow.structuredContent).toMatchObject({ version: 2 });
    // The stdio client returns the lesson to version 1.
    const overStdioRollback = await overStdio.callTool({ name: 'rollback', arguments: { id: 'lesson/fahrenheit-to-celsius', version: 1 } });
    expect(overStdioRollback.isError, JSON.stringify(overStdioRollback.content)).toBeFalsy();
    await httpLog.waitFor(updated('lamarck://lessons/fahrenheit-to-celsius'), 'updated for the lesson rolled back over stdio');
    const lesson = await overHttp.readResource({ uri: 'lamarck://lessons/fahrenheit-to-celsius' });
    expect((lesson.contents[0] as { text: string }).text).not.toContain('212 F is 100 C');
    // Each writer's own clients hear their own change too.
    await httpLog.waitFor(updated('lamarck://skills/csv-column-sums'), 'updated for its own rollback');
    await stdioLog.waitFor(updated('lamarck://lessons/fahrenheit-to-celsius'), 'updated for its own rollback');
  });
});
