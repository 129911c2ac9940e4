import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import type { ArtifactUse } from '../learn/learn-progress.ts';
import { learnableKinds, validateProposal, type LearnableKind } from '../learn/proposals.ts';
import { recordAttemptOutcome } from '../learn/record-outcome.ts';
import { itemId, itemUri, parseItemAddress } from './item-addresses.ts';
import type { McpSessionAccess, McpSharedOptions } from './server-context.ts';
import { additiveAnnotations, proposeAnnotations, rollbackAnnotations } from './tool-annotations.ts';
import { errorResult, guarded, structuredResult } from './tool-results.ts';
import { writeRefusal } from './write-access.ts';

/**
 * The tools that change the library, each through the code path the CLI uses for the same change:
 * `report_outcome` counts uses as the learn loop does (`recordAttemptOutcome`), `propose` is
 * decided by the learn loop's `ProposalDecider` behind the gate, and `rollback` is
 * `Library.rollback`, as `lamarck skills rollback` calls it. Each needs write access on its session.
 */
const tagSchema = z.enum(['helpful', 'harmful', 'neutral']);

const reportInput = z.object({
  task: z.string().min(1).max(20_000).describe('The task the agent attempted, as it was given.'),
  success: z.boolean().describe('Whether the attempt succeeded.'),
  items: z
    .array(
      z.union([
        z.string().min(1).max(400),
        z.object({ id: z.string().min(1).max(400), tag: tagSchema.optional().describe('How the item affected this attempt (default: helpful on success, harmful on failure).') }),
      ]),
    )
    .max(100)
    .describe('Library items the agent used: <kind>/<name> or lamarck:// URIs, optionally tagged.'),
});
const itemCounters = z.object({ id: z.string(), uri: z.string(), uses: z.number().int(), successes: z.number().int(), utility: z.number() });
const reportOutput = z.object({ task: z.string(), success: z.boolean(), counted: z.array(itemCounters), skipped: z.array(z.string()) });

const proposeInput = z.object({
  op: z.enum(['add', 'update', 'merge', 'retire']).describe('add a new item, update one, merge sources into one, or retire one.'),
  kind: z.enum(learnableKinds).describe('What kind of item.'),
  name: z.string().min(1).max(200).describe('The item added, changed, merged into or retired.'),
  content: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'The new content (add, update, merge). lesson: {title, text, type: strategy|warning, when, tags}; skill: {description, body}; guardrail: {condition, action, why, tools, pattern}; tool: {manifest, code, tests}.',
    ),
  sources: z.array(z.string().min(1).max(200)).max(50).optional().describe('Items folded into name (merge).'),
  rationale: z.string().max(4000).default('').describe('Why the change helps.'),
});
const gateFiguresOutput = z.object({
  rule: z.string(),
  heldOutTaskIds: z.array(z.string()),
  withScore: z.number().nullable(),
  withoutScore: z.number().nullable(),
  delta: z.number().nullable(),
  probeFailures: z.array(z.string()),
  accepted: z.boolean(),
  reason: z.string(),
  attempts: z.number().int(),
  unaffectedTaskIds: z.array(z.string()),
});
const proposeOutput = z.object({
  proposalId: z.string(),
  op: z.string(),
  kind: z.enum(learnableKinds),
  name: z.string(),
  outcome: z.enum(['committed-new', 'committed', 'rejected', 'unchanged']),
  accepted: z.boolean(),
  reason: z.string(),
  problems: z.array(z.string()),
  version: z.number().int().nullable(),
  uri: z.string().nullable(),
  gate: gateFiguresOutput.nullable(),
});

const rollbackInput = z.object({
  id: z.string().min(1).max(400).describe('<kind>/<name>@<version> or lamarck://<kinds>/<name>@<version>.'),
  version: z.number().int().min(1).optional().describe('The version to make the head (instead of @<version> in the id).'),
});
const rollbackOutput = z.object({
  id: z.string(),
  uri: z.string(),
  kind: z.string(),
  name: z.string(),
  previousVersion: z.number().int(),
  version: z.number().int(),
  changed: z.boolean(),
});

export function registerWriteTools(server: McpServer, shared: McpSharedOptions, access: McpSessionAccess, afterChange: () => Promise<void>): void {
  server.registerTool(
    'report_outcome',
    {
      title: 'Report an outcome',
      description:
        'Tell the library how a task went with the items an agent used: each item\'s uses, successes, helpful and harmful counts (its utility) and retrieval\'s learned triggers are updated exactly as lamarck learn updates them. Needs write access.',
      inputSchema: reportInput,
      outputSchema: reportOutput,
      annotations: { title: 'Report an outcome', ...additiveAnnotations },
    },
    async ({ task, success, items }) =>
      writeRefusal(access, 'report_outcome') ??
      guarded(async () => {
        const uses = await usesOf(shared, items, success);
        const counted = await recordAttemptOutcome(shared.view.library, shared.view.index, { task, uses, passed: success });
        await afterChange();
        const countedIds = new Set(counted.map((use) => itemId(use)));
        const countedItems = await Promise.all(
          counted.map(async (use) => {
            const entry = await shared.view.library.require(use.kind, use.name);
            return { id: itemId(use), uri: itemUri(use), uses: entry.artifact.uses, successes: entry.artifact.successes, utility: entry.utility };
          }),
        );
        return structuredResult({ task, success, counted: countedItems, skipped: uses.map((use) => itemId(use)).filter((id) => !countedIds.has(id)) });
      }),
  );

  server.registerTool(
    'propose',
    {
      title: 'Propose a change',
      description:
        'Propose a new or changed lesson, skill, guardrail or tool (or a merge or retirement). It goes through the same gate as lamarck learn: tool tests in the sandbox, curation, the configured held-out tasks attempted with and without it, and every safety probe; it is committed only if it passes. Returns the verdict with its scores. Needs write access.',
      inputSchema: proposeInput,
      outputSchema: proposeOutput,
      annotations: { title: 'Propose a change', ...proposeAnnotations },
    },
    async (input) =>
      writeRefusal(access, 'propose') ??
      guarded(async () => {
        if (shared.proposals === undefined) return errorResult('propose: this server has no gate configured, so it cannot accept changes');
        const checked = validateProposal(input, 'mcp');
        if (!checked.ok) return errorResult(`propose: invalid proposal: ${checked.problems.join('; ')}`);
        const verdict = await shared.proposals.decide(checked.proposal);
        if (verdict.accepted) await afterChange();
        const kind = checked.proposal.kind;
        return structuredResult({
          proposalId: verdict.proposalId,
          op: checked.proposal.op,
          kind,
          name: verdict.name,
          outcome: verdict.outcome,
          accepted: verdict.accepted,
          reason: verdict.reason,
          problems: verdict.problems,
          version: verdict.version,
          uri: verdict.accepted ? itemUri({ kind, name: verdict.name }) : null,
          gate: verdict.figures === null ? null : { ...verdict.figures },
        });
      }),
  );

  server.registerTool(
    'rollback',
    {
      title: 'Roll back an item',
      description: 'Make an earlier version of a skill, lesson, guardrail, tool or prompt the head again, exactly as it was committed (lamarck <kind> rollback). Needs write access.',
      inputSchema: rollbackInput,
      outputSchema: rollbackOutput,
      annotations: { title: 'Roll back an item', ...rollbackAnnotations },
    },
    async ({ id, version }) =>
      writeRefusal(access, 'rollback') ??
      guarded(async () => {
        const address = parseItemAddress(id);
        const target = version ?? address.version;
        if (target === undefined) return errorResult(`rollback: name the version to return to: ${itemId(address)}@<version> or the version field`);
        const before = await shared.view.library.require(address.kind, address.name);
        const entry = await shared.view.library.rollback(address.kind, address.name, target);
        await afterChange();
        const named = { kind: entry.kind, name: entry.name };
        return structuredResult({
          id: itemId(named),
          uri: itemUri(named),
          kind: entry.kind,
          name: entry.name,
          previousVersion: before.version.number,
          version: entry.version.number,
          changed: entry.version.id !== before.version.id,
        });
      }),
  );
}

/**
 * The uses to count, checked whole before anything is counted: every item must exist and be of a
 * kind the learn loop counts; one that does not names itself in the error and nothing changes.
 * Tags follow the learn loop: given, they decide helpful and harmful; absent, the outcome does.
 */
async function usesOf(shared: McpSharedOptions, items: z.infer<typeof reportInput>['items'], success: boolean): Promise<ArtifactUse[]> {
  const uses = new Map<string, ArtifactUse>();
  for (const [position, item] of items.entries()) {
    const field = `items.${position}`;
    const { id, tag } = typeof item === 'string' ? { id: item, tag: undefined } : item;
    const address = parseItemAddress(id, field);
    if (address.version !== undefined) throw new UsageError(`${field}: uses are counted on an item, not on one version: drop "@${address.version}"`);
    if (!(learnableKinds as readonly string[]).includes(address.kind)) throw new UsageError(`${field}: ${address.kind} items have no use counters (expected one of ${learnableKinds.join(', ')})`);
    await shared.view.library.require(address.kind, address.name);
    uses.set(itemId(address), {
      kind: address.kind as LearnableKind,
      name: address.name,
      success,
      helpful: tag === undefined ? success : tag === 'helpful',
      harmful: tag === undefined ? !success : tag === 'harmful',
    });
  }
  return [...uses.values()];
}
