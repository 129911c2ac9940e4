import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { temporaryDirectory } from '../library/support.ts';
import { startProtocolServer, type ProtocolServer } from '../support/protocol-server.ts';
import { seedProject, type SeededProject } from './support.ts';

/**
 * The round trip: a `lamarck run` agent in one project, whose MCP client (its
 * `lamarck.config.json`) starts a second Lamarck's `lamarck mcp` over stdio on another project's
 * store, exactly as the README tells MCP clients to (`npx lamarck mcp`). The model (a scripted
 * OpenAI-compatible server) searches that library, fetches the skill it found, and answers; the
 * test reads what the model was sent at each step.
 */
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

interface StdioSnippet {
  command: string;
  args: string[];
}

/** The stdio set-up snippet of the README's MCP section, parsed: the test runs what users copy. */
function readmeSnippet(): StdioSnippet {
  const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
  const block = /```json\n(\{ "mcpServers": \{ "lamarck": \{ "command"[^\n]*)\n```/.exec(readme);
  if (block === null) throw new Error('README.md has no stdio mcpServers snippet for lamarck');
  const parsed = JSON.parse(block[1]!) as { mcpServers: { lamarck: StdioSnippet } };
  return parsed.mcpServers.lamarck;
}

describe('round trip: a lamarck run agent uses a skill from another Lamarck over MCP', () => {
  let library: SeededProject;
  let agentProject: { path: string; remove(): void };
  let model: ProtocolServer;

  beforeAll(async () => {
    library = await seedProject('lamarck-mcp-library-');
    // Lamarck installed in the library's project, as `npm install lamarck` leaves it, so `npx
    // lamarck` finds this checkout without reaching any registry.
    mkdirSync(join(library.path, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(repositoryRoot, join(library.path, 'node_modules', 'lamarck'), 'dir');
    symlinkSync('../lamarck/bin/lamarck.js', join(library.path, 'node_modules', '.bin', 'lamarck'));
    agentProject = temporaryDirectory('lamarck-mcp-agent-');
    model = await startProtocolServer();
  }, 60_000);

  afterAll(async () => {
    await model?.close();
    agentProject?.remove();
    library?.remove();
  });

  it('the README snippet is the plain npx form', () => {
    expect(readmeSnippet()).toMatchObject({ command: 'npx', args: ['lamarck', 'mcp'] });
  });

  it('searches the remote library, loads the skill it found, and the skill reaches the model', async () => {
    const snippet = readmeSnippet();
    writeFileSync(
      join(agentProject.path, 'lamarck.config.json'),
      JSON.stringify({
        mcpServers: {
          // npm_config_offline: npx must use the local install, never a registry.
          library: { ...snippet, cwd: library.path, env: { npm_config_offline: 'true' }, timeoutMs: 120_000 },
        },
      }),
    );
    model.enqueue(
      { toolCalls: [{ name: 'library__search_library', input: { query: 'sum the numeric columns of a csv file', kinds: ['skill'], k: 1 } }] },
      { toolCalls: [{ name: 'library__get_item', input: { id: 'skill/csv-column-sums' } }] },
      { toolCalls: [{ name: 'final_answer', input: { answer: 'Totals per column, blanks skipped. PELICAN' } }] },
    );
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await main(['run', 'Sum the columns of sales.csv and report the totals.', '--model', `openai-compatible:${model.baseURL}#test-model`], {
      cwd: agentProject.path,
      env: { PATH: process.env['PATH'] ?? '' },
      streams: { stdout, stderr },
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe('Totals per column, blanks skipped. PELICAN\n');
    expect(model.pending).toBe(0);
    expect(model.requests).toHaveLength(3);

    const sent = model.requests.map((request) => JSON.stringify(request.body));
    // The remote library's tools were offered to the model from the first step.
    expect(sent[0]).toContain('library__search_library');
    expect(sent[0]).toContain('library__get_item');
    // The agent's own project has no library: the skill is not in the first prompt.
    expect(sent[0]).not.toContain('skipping blanks');
    // The search result (the skill's id and its match) reached the model's second prompt...
    expect(sent[1]).toContain('skill/csv-column-sums');
    expect(sent[1]).toContain('Sum the numeric columns of a CSV file');
    // ...and the skill's full SKILL.md, head version, reached the third.
    expect(sent[2]).toContain('skipping blanks');
    expect(sent[2]).toContain('the magic word is PELICAN');
    expect(sent[2]).toContain('references/FORMAT.md');
  }, 240_000);
});
