import type { ContentByKind, GuardrailContent, LessonContent, LibraryKind, SkillContent } from '../artifact-content.ts';

/**
 * A deterministic merge of an incoming proposal into an existing artifact, used when no model is
 * asked to write the merged text: nothing of the target is lost, and what the incoming one adds is
 * appended once (merging the same proposal twice changes nothing the second time).
 */
export function mergeContent<K extends LibraryKind>(kind: K, target: ContentByKind[K], incoming: ContentByKind[K]): ContentByKind[K] {
  switch (kind) {
    case 'lesson': {
      const base = target as LessonContent;
      const addition = incoming as LessonContent;
      const merged: LessonContent = {
        ...base,
        text: appendOnce(base.text, addition.text, ' '),
        when: appendOnce(base.when, addition.when, '; '),
        tags: [...new Set([...base.tags, ...addition.tags])],
      };
      return merged as ContentByKind[K];
    }
    case 'skill': {
      const base = target as SkillContent;
      const addition = incoming as SkillContent;
      const merged: SkillContent = {
        ...base,
        body: appendOnce(base.body.trimEnd(), addition.body.trim(), '\n\n'),
        files: { ...addition.files, ...base.files },
      };
      return merged as ContentByKind[K];
    }
    case 'guardrail': {
      const base = target as GuardrailContent;
      const addition = incoming as GuardrailContent;
      const tools = base.tools === undefined || addition.tools === undefined ? undefined : [...new Set([...base.tools, ...addition.tools])];
      const merged: GuardrailContent = { ...base, why: appendOnce(base.why, addition.why, ' ') };
      if (tools === undefined) delete merged.tools;
      else merged.tools = tools;
      return merged as ContentByKind[K];
    }
    default:
      // A tool or prompt is one coherent unit; the newer one replaces it only through an update.
      return target;
  }
}

function appendOnce(base: string, addition: string, separator: string): string {
  const trimmed = addition.trim();
  if (trimmed.length === 0 || base.includes(trimmed)) return base;
  if (base.trim().length === 0) return trimmed;
  return `${base}${separator}${trimmed}`;
}
