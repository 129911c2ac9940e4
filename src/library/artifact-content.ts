import { z } from 'zod';
import type { JsonObject } from '../core/json.ts';
import { UsageError } from '../core/errors.ts';
import { toolManifestSchema } from '../sandbox/tool-manifest.ts';
import { skillCompatibilityMaxLength, skillDescriptionMaxLength, validateSkillName } from './skill-format.ts';

/**
 * What each library kind stores in a version's `content`. The schemas are the persisted format
 * (version 1); a newer Lamarck must keep reading content written under them.
 */
export const libraryKinds = ['skill', 'lesson', 'guardrail', 'tool', 'prompt'] as const;
export type LibraryKind = (typeof libraryKinds)[number];

export const skillContentSchema = z
  .object({
    description: z.string().trim().min(1).max(skillDescriptionMaxLength),
    body: z.string(),
    /** Extra files of the skill directory (`scripts/x.py`, `references/REFERENCE.md`) by relative path. */
    files: z
      .record(z.string(), z.string())
      .refine((files) => Object.keys(files).every(isSafeRelativePath), 'file paths must be relative, inside the skill, and not SKILL.md')
      .default({}),
    license: z.string().optional(),
    compatibility: z.string().min(1).max(skillCompatibilityMaxLength).optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    allowedTools: z.string().optional(),
  })
  .strict();
export type SkillContent = z.infer<typeof skillContentSchema>;

export const lessonContentSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    /** The strategy or warning itself: one to three sentences. */
    text: z.string().trim().min(1).max(2000),
    type: z.enum(['strategy', 'warning']).default('strategy'),
    /** When the lesson applies; helps retrieval pick it for the right tasks. */
    when: z.string().max(500).default(''),
    tags: z.array(z.string()).default([]),
  })
  .strict();
export type LessonContent = z.infer<typeof lessonContentSchema>;

export const guardrailContentSchema = z
  .object({
    /** When the rule applies, in words. */
    condition: z.string().trim().min(1).max(500),
    /** The action it forbids, in words. */
    action: z.string().trim().min(1).max(500),
    why: z.string().trim().min(1).max(1000),
    /** Tool names the rule is checked against before a call (exact, or a `*` suffix wildcard); absent: every tool. */
    tools: z.array(z.string().min(1)).optional(),
    /** A regular expression tested against the call's serialized JSON input; absent: every call to `tools`. */
    pattern: z.string().optional(),
    /** Flags for `pattern`; default `i`. */
    flags: z
      .string()
      .regex(/^[gimsuy]*$/, 'flags may only contain g, i, m, s, u, y')
      .optional(),
  })
  .strict()
  .refine((guardrail) => guardrail.pattern === undefined || isValidRegex(guardrail.pattern, guardrail.flags ?? 'i'), {
    message: 'pattern is not a valid regular expression',
    path: ['pattern'],
  });
export type GuardrailContent = z.infer<typeof guardrailContentSchema>;

const jsonValueSchema: z.ZodType<unknown> = z.unknown();

export const toolContentSchema = z
  .object({
    /** `tool.json`, validated as the sandbox validates it before running the tool. */
    manifest: toolManifestSchema,
    /** `index.js`: an ES module whose default export is `async (input, ctx) => result`. */
    code: z.string().min(1),
    tests: z
      .array(z.object({ name: z.string().min(1), input: jsonValueSchema, expected: jsonValueSchema }).strict())
      .default([]),
  })
  .strict();
export type ToolContent = z.infer<typeof toolContentSchema>;

export const promptContentSchema = z
  .object({ description: z.string().max(1024).default(''), text: z.string().min(1) })
  .strict();
export type PromptContent = z.infer<typeof promptContentSchema>;

export interface ContentByKind {
  skill: SkillContent;
  lesson: LessonContent;
  guardrail: GuardrailContent;
  tool: ToolContent;
  prompt: PromptContent;
}

const schemas = {
  skill: skillContentSchema,
  lesson: lessonContentSchema,
  guardrail: guardrailContentSchema,
  tool: toolContentSchema,
  prompt: promptContentSchema,
} as const;

export function isLibraryKind(value: string): value is LibraryKind {
  return (libraryKinds as readonly string[]).includes(value);
}

/** The plural folder name used in the mirror and the CLI (`skills`, `lessons`...). */
export function kindFolder(kind: LibraryKind): string {
  return `${kind}s`;
}

/** Names are unique per kind and double as file names, so every kind uses the skill name rules. */
export function validateArtifactName(name: string): string[] {
  return validateSkillName(name);
}

export type ContentCheck<K extends LibraryKind> = { ok: true; content: ContentByKind[K] } | { ok: false; problems: string[] };

/** Validates untrusted content (from a model, a file, an old version) for a kind. */
export function checkContent<K extends LibraryKind>(kind: K, value: unknown): ContentCheck<K> {
  const result = (schemas[kind] as unknown as z.ZodType<ContentByKind[K]>).safeParse(value);
  if (result.success) return { ok: true, content: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : kind}: ${issue.message}`),
  };
}

/** Like checkContent, but throws a UsageError naming the problems. */
export function parseContent<K extends LibraryKind>(kind: K, value: unknown): ContentByKind[K] {
  const check = checkContent(kind, value);
  if (!check.ok) throw new UsageError(`invalid ${kind} content: ${check.problems.join('; ')}`, { problems: check.problems });
  return check.content;
}

export function contentToJson(content: ContentByKind[LibraryKind]): JsonObject {
  return JSON.parse(JSON.stringify(content)) as JsonObject;
}

/** The words retrieval indexes for an artifact: its name and every field a reader would search. */
export function searchableText(kind: LibraryKind, name: string, content: ContentByKind[LibraryKind]): string {
  const words = name.replace(/-/g, ' ');
  switch (kind) {
    case 'skill': {
      const skill = content as SkillContent;
      return `${words}\n${skill.description}\n${skill.body}`;
    }
    case 'lesson': {
      const lesson = content as LessonContent;
      return `${words}\n${lesson.title}\n${lesson.when}\n${lesson.text}\n${lesson.tags.join(' ')}`;
    }
    case 'guardrail': {
      const guardrail = content as GuardrailContent;
      return `${words}\n${guardrail.condition}\n${guardrail.action}\n${guardrail.why}\n${(guardrail.tools ?? []).join(' ')}`;
    }
    case 'tool': {
      const tool = content as ToolContent;
      return `${words}\n${tool.manifest.name}\n${tool.manifest.description}`;
    }
    case 'prompt': {
      const prompt = content as PromptContent;
      return `${words}\n${prompt.description}\n${prompt.text}`;
    }
  }
}

/** A one-paragraph summary for catalogs and context injection (a skill's body is loaded on demand). */
export function summaryText(kind: LibraryKind, name: string, content: ContentByKind[LibraryKind]): string {
  switch (kind) {
    case 'skill':
      return `${name}: ${(content as SkillContent).description}`;
    case 'lesson': {
      const lesson = content as LessonContent;
      return `${lesson.type === 'warning' ? 'Warning' : 'Strategy'} (${lesson.title}): ${lesson.text}`;
    }
    case 'guardrail': {
      const guardrail = content as GuardrailContent;
      return `When ${guardrail.condition}: do not ${guardrail.action}. Why: ${guardrail.why}`;
    }
    case 'tool': {
      const tool = content as ToolContent;
      return `${tool.manifest.name}: ${tool.manifest.description}`;
    }
    case 'prompt': {
      const prompt = content as PromptContent;
      return prompt.description.length > 0 ? `${name}: ${prompt.description}` : `${name}: ${prompt.text.slice(0, 200)}`;
    }
  }
}

function isValidRegex(pattern: string, flags: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

/** A path that stays inside its folder when joined: relative, no `..`, no backslashes, not SKILL.md. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.length > 255 || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  const parts = path.split('/');
  return parts.every((part) => part.length > 0 && part !== '.' && part !== '..') && path.toLowerCase() !== 'skill.md';
}
