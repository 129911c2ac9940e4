import type { Client } from '@modelcontextprotocol/client';
import { SkillsClient, SkillVerificationError, type Skill } from '@modelcontextprotocol/client/ext/skills';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skill } from '../library/support.ts';
import { connectHttp, connectStdio, seedProject, startHttpCli, withStore, type HttpServerProcess, type SeededProject } from './support.ts';

/**
 * The MCP skills extension, checked with the SDK's own host side (`SkillsClient`): it refuses an
 * invalid entry, and verifies each file's size, digest and (for SKILL.md) front matter against the
 * entry before returning it, so every read below is a verification of what the server sent.
 */
const transports = ['stdio', 'http'] as const;

describe.each(transports)('the skills extension over %s (the SDK SkillsClient)', (transport) => {
  let project: SeededProject;
  let http: HttpServerProcess | undefined;
  let client: Client;
  let skills: SkillsClient;

  beforeAll(async () => {
    project = await seedProject();
    // A candidate has not passed the gate: it is not a committed skill, so it is not served.
    await withStore(project.storePath, async (library) => {
      await library.add('skill', 'ungated-draft', skill('A draft that has not been gated yet.'), { status: 'candidate' });
      // Three successes and one failure: utility (3 + 1) / (4 + 2), which the priority carries.
      for (const success of [true, true, true, false]) await library.recordUse('skill', 'csv-column-sums', { success });
    });
    if (transport === 'http') {
      http = await startHttpCli(project.path);
      client = await connectHttp(http.url);
    } else {
      client = await connectStdio(project.path);
    }
    skills = new SkillsClient(client);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await http?.stop();
    project?.remove();
  });

  it('declares the extension with directory reads, and lists the active skills with digests', async () => {
    expect(skills.supported).toBe(true);
    expect(skills.directoryRead).toBe(true);
    const listing = await skills.list();
    expect(listing.invalid).toEqual([]);
    expect(listing.skills.map((entry) => entry.frontmatter.name)).toEqual(['csv-column-sums']);
    const entry = listing.skills[0]!;
    expect(entry.uri).toBe('skill://csv-column-sums/SKILL.md');
    expect(entry.frontmatter.description).toBe('Sum the numeric columns of a CSV file and report totals per column.');
    expect(entry.resources).not.toBe('dynamic');
    const resources = entry.resources as { uri: string; digest: string; size: number }[];
    expect(resources.map((resource) => resource.uri)).toEqual(['skill://csv-column-sums/SKILL.md', 'skill://csv-column-sums/references/FORMAT.md']);
    for (const resource of resources) expect(resource.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(resources[1]!.size).toBe(Buffer.byteLength('Columns are comma separated.\n'));
    expect(entry._meta).toMatchObject({ 'lamarck/item': 'lamarck://skills/csv-column-sums', 'lamarck/version': 2 });
  });

  it('gets a skill by its SKILL.md URI and loads its files verified', async () => {
    const { skill: entry } = await skills.get('skill://csv-column-sums/SKILL.md');
    const manifest = await skills.read(entry);
    expect(manifest.verified).toBe(true);
    expect(manifest.frontmatter).toMatchObject({ name: 'csv-column-sums' });
    // The head version (2) is what is served.
    expect(manifest.body).toContain('skipping blanks');
    const reference = await skills.read(entry, 'references/FORMAT.md');
    expect(reference).toMatchObject({ verified: true, text: 'Columns are comma separated.\n' });
    await expect(skills.get('skill://ungated-draft/SKILL.md')).rejects.toThrow(/No skill is served/);
  });

  it('lists a skill folder as directory resources', async () => {
    const root = await skills.readDirectory('skill://csv-column-sums');
    expect(root.resources.map((resource) => [resource.name, resource.mimeType])).toEqual([
      ['SKILL.md', 'text/markdown'],
      ['references', 'inode/directory'],
    ]);
    const references = await skills.readDirectory('skill://csv-column-sums/references');
    expect(references.resources.map((resource) => resource.name)).toEqual(['FORMAT.md']);
  });

  it('lets the client catch a file that does not match its entry', async () => {
    const { skill: entry } = await skills.get('skill://csv-column-sums/SKILL.md');
    const resources = entry.resources as { uri: string; digest: string; size: number }[];
    const tampered: Skill = { ...entry, resources: resources.map((resource) => ({ ...resource, digest: `sha256:${'0'.repeat(64)}` })) };
    const failure = await skills.read(tampered, 'references/FORMAT.md').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SkillVerificationError);
    expect((failure as SkillVerificationError).reason).toBe('digest');
  });

  it('lists the SKILL.md files among the resources, with lastModified and a priority equal to the utility', async () => {
    const { resources } = await client.listResources();
    const manifest = resources.find((resource) => resource.uri === 'skill://csv-column-sums/SKILL.md');
    expect(manifest).toMatchObject({ name: 'csv-column-sums', mimeType: 'text/markdown', annotations: { priority: 0.667 } });
    expect(Date.parse(manifest!.annotations!.lastModified!)).toBeGreaterThan(0);
    const item = resources.find((resource) => resource.uri === 'lamarck://skills/csv-column-sums');
    expect(item?.annotations).toMatchObject(manifest!.annotations!);
    // An item never used sits at the prior, 0.5.
    expect(resources.find((resource) => resource.uri === 'lamarck://lessons/fahrenheit-to-celsius')?.annotations?.priority).toBe(0.5);
    expect(resources.some((resource) => resource.uri === 'skill://ungated-draft/SKILL.md')).toBe(false);
  });
});
