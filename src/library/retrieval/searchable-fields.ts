import type { GuardrailContent, LessonContent, LibraryKind, PromptContent, SkillContent, ToolContent } from '../artifact-content.ts';
import type { ContentByKind } from '../artifact-content.ts';

/**
 * The parts of an artifact that retrieval weighs separately (BM25F). A skill's name and
 * description say what it is; its "Use when…" sentence and "When to use" section say which tasks
 * call for it; headings outline it; the body holds everything else. Other kinds map their own
 * fields onto the same five.
 */
export const searchFieldNames = ['name', 'description', 'triggers', 'headings', 'body'] as const;
export type SearchFieldName = (typeof searchFieldNames)[number];
export type SearchFields = Record<SearchFieldName, string>;

export function searchFields(kind: LibraryKind, name: string, content: ContentByKind[LibraryKind]): SearchFields {
  const words = name.replace(/-/g, ' ');
  switch (kind) {
    case 'skill':
      return skillFields(words, content as SkillContent);
    case 'lesson': {
      const lesson = content as LessonContent;
      return { name: words, description: lesson.title, triggers: lesson.when, headings: lesson.tags.join(' '), body: lesson.text };
    }
    case 'guardrail': {
      const guardrail = content as GuardrailContent;
      return { name: words, description: guardrail.action, triggers: guardrail.condition, headings: (guardrail.tools ?? []).join(' '), body: guardrail.why };
    }
    case 'tool': {
      const tool = content as ToolContent;
      return { name: `${words} ${tool.manifest.name}`, description: tool.manifest.description, triggers: '', headings: '', body: '' };
    }
    case 'prompt': {
      const prompt = content as PromptContent;
      return { name: words, description: prompt.description, triggers: '', headings: '', body: prompt.text };
    }
  }
}

// "Use when …", "Use this when …", "Use it if …": the description's statement of when it applies.
const useWhenPattern = /\buse (?:this |it )?(?:skill )?(?:when|if|for)\b[^.]*\.?/giu;
const whenSectionPattern = /^(#{1,6})\s*(?:when to use|use when|triggers?|use this skill when)\b.*$/imu;

function skillFields(words: string, skill: SkillContent): SearchFields {
  const triggers: string[] = [];
  const description = skill.description.replace(useWhenPattern, (match) => {
    triggers.push(match);
    return ' ';
  });
  const headings: string[] = [];
  const bodyLines: string[] = [];
  let sectionLevel = 0;
  let inTriggers = false;
  for (const line of skill.body.split('\n')) {
    const heading = /^(#{1,6})\s+(.*)$/u.exec(line);
    if (heading !== null) {
      const level = heading[1]!.length;
      if (inTriggers && level <= sectionLevel) inTriggers = false;
      if (whenSectionPattern.test(line)) {
        inTriggers = true;
        sectionLevel = level;
        continue;
      }
      headings.push(heading[2]!);
      continue;
    }
    (inTriggers ? triggers : bodyLines).push(line);
  }
  return { name: words, description, triggers: triggers.join('\n'), headings: headings.join('\n'), body: bodyLines.join('\n') };
}
