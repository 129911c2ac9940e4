import { z } from 'zod';
import { checkContent, type ContentByKind } from '../library/artifact-content.ts';
import { toSkillName, validateSkillName } from '../library/skill-format.ts';

/**
 * A proposal is a typed operation on the library: add, update, merge or retire. Proposals come from
 * a model, so each is validated on its own; an invalid one is rejected and recorded with the
 * problems found, never applied.
 */
export const learnableKinds = ['skill', 'lesson', 'guardrail', 'tool'] as const;
export type LearnableKind = (typeof learnableKinds)[number];

export type ProposalOperation = 'add' | 'update' | 'merge' | 'retire';

export interface LibraryProposal {
  op: ProposalOperation;
  kind: LearnableKind;
  /** The artifact added, changed, merged into, or retired. */
  name: string;
  /** New content (add, update, merge). */
  content?: ContentByKind[LearnableKind];
  /** Artifacts folded into `name` (merge). */
  sources?: string[];
  rationale: string;
  /** Where it came from: `reflection`, `consolidation`... */
  origin: string;
}

export type ProposalCheck = { ok: true; proposal: LibraryProposal } | { ok: false; problems: string[]; raw: unknown };

const envelopeSchema = z.object({
  op: z.enum(['add', 'update', 'merge', 'retire']),
  kind: z.enum(learnableKinds),
  name: z.string().min(1).max(200),
  content: z.unknown().optional(),
  sources: z.array(z.string().min(1)).optional(),
  rationale: z.string().max(4000).default(''),
});

export function validateProposal(raw: unknown, origin: string): ProposalCheck {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) {
    return { ok: false, raw, problems: envelope.error.issues.map((issue) => `${issue.path.join('.') || 'proposal'}: ${issue.message}`) };
  }
  const { op, kind, content, sources, rationale } = envelope.data;
  // Models write names as titles; a slug keeps the intent and satisfies the naming rules.
  const name = validateSkillName(envelope.data.name).length === 0 ? envelope.data.name : toSkillName(envelope.data.name);
  const proposal: LibraryProposal = { op, kind, name, rationale, origin };
  if (op === 'retire') return { ok: true, proposal };
  if (content === undefined) return { ok: false, raw, problems: [`content: required for ${op}`] };
  const checked = checkContent(kind, content);
  if (!checked.ok) return { ok: false, raw, problems: checked.problems };
  proposal.content = checked.content;
  if (op === 'merge') {
    if (sources === undefined || sources.length === 0) return { ok: false, raw, problems: ['sources: a merge needs at least one source'] };
    if (sources.includes(name)) return { ok: false, raw, problems: ['sources: a merge cannot fold an artifact into itself'] };
    proposal.sources = sources;
  }
  return { ok: true, proposal };
}

/** How the model is told to write content for each kind. */
export const contentShapes = `Content shapes by kind:
- lesson: {"title": short title, "text": one to three sentences, "type": "strategy" or "warning", "when": when it applies, "tags": [words]}
- skill: {"description": what it does and when to use it (at most 1024 characters), "body": Markdown instructions, numbered steps}
- guardrail: {"condition": when it applies, "action": the action it forbids, "why": the reason, "tools": [tool names the rule checks], "pattern": optional regular expression matched against the tool call's JSON input}
- tool: {"manifest": {"name": tool_name, "description": what it does, "inputSchema": JSON Schema of the input}, "code": "export default async (input) => { ... return result; }", "tests": [{"name": ..., "input": {...}, "expected": exact JSON result}]}`;
