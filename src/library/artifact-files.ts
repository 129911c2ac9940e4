import { stringify as stringifyYaml } from 'yaml';
import type {
  ContentByKind,
  GuardrailContent,
  LessonContent,
  LibraryKind,
  PromptContent,
  SkillContent,
  ToolContent,
} from './artifact-content.ts';
import { serializeSkillFile, skillFileName, type SkillFrontmatter } from './skill-format.ts';

/**
 * How an artifact looks as plain files, used by the mirror, by `diff` and by export. Paths are
 * relative to the kind's folder: skills and tools are folders (`<name>/SKILL.md`), lessons,
 * guardrails and prompts single Markdown files (`<name>.md`).
 */
export function folderKinds(kind: LibraryKind): boolean {
  return kind === 'skill' || kind === 'tool';
}

export function renderArtifactFiles<K extends LibraryKind>(kind: K, name: string, content: ContentByKind[K]): Record<string, string> {
  switch (kind) {
    case 'skill':
      return prefix(name, renderSkillFiles(name, content as SkillContent));
    case 'tool':
      return prefix(name, renderToolFiles(content as ToolContent));
    case 'lesson': {
      const lesson = content as LessonContent;
      return {
        [`${name}.md`]: markdownWithFrontmatter(
          { name, title: lesson.title, type: lesson.type, when: lesson.when, tags: lesson.tags },
          lesson.text,
        ),
      };
    }
    case 'guardrail': {
      const guardrail = content as GuardrailContent;
      const header: Record<string, unknown> = { name };
      if (guardrail.tools !== undefined) header['tools'] = guardrail.tools;
      if (guardrail.pattern !== undefined) header['pattern'] = guardrail.pattern;
      if (guardrail.flags !== undefined) header['flags'] = guardrail.flags;
      const body = `## Condition\n\n${guardrail.condition}\n\n## Forbidden action\n\n${guardrail.action}\n\n## Why\n\n${guardrail.why}\n`;
      return { [`${name}.md`]: markdownWithFrontmatter(header, body) };
    }
    case 'prompt': {
      const prompt = content as PromptContent;
      return { [`${name}.md`]: markdownWithFrontmatter({ name, description: prompt.description }, prompt.text) };
    }
  }
  return {};
}

/** A skill directory's files, SKILL.md first; paths relative to the skill's own folder. */
export function renderSkillFiles(name: string, skill: SkillContent): Record<string, string> {
  const frontmatter: SkillFrontmatter = { name, description: skill.description };
  if (skill.license !== undefined) frontmatter.license = skill.license;
  if (skill.compatibility !== undefined) frontmatter.compatibility = skill.compatibility;
  if (skill.metadata !== undefined) frontmatter.metadata = skill.metadata;
  if (skill.allowedTools !== undefined) frontmatter['allowed-tools'] = skill.allowedTools;
  return { [skillFileName]: serializeSkillFile({ frontmatter, body: skill.body }), ...skill.files };
}

/** A synthesized tool directory: `tool.json`, `index.js` and the tests that admitted it. */
export function renderToolFiles(tool: ToolContent): Record<string, string> {
  return {
    'tool.json': `${JSON.stringify(tool.manifest, null, 2)}\n`,
    'index.js': tool.code.endsWith('\n') ? tool.code : `${tool.code}\n`,
    'tests.json': `${JSON.stringify(tool.tests, null, 2)}\n`,
  };
}

/** The content of every rendered file concatenated with headers, for text diffs. */
export function renderArtifactText<K extends LibraryKind>(kind: K, name: string, content: ContentByKind[K]): string {
  const files = renderArtifactFiles(kind, name, content);
  const paths = Object.keys(files).sort();
  if (paths.length === 1) return files[paths[0]!]!;
  return paths.map((path) => `=== ${path}\n${files[path]!}`).join('\n');
}

function prefix(name: string, files: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) result[`${name}/${path}`] = text;
  return result;
}

function markdownWithFrontmatter(header: Record<string, unknown>, body: string): string {
  const text = body.endsWith('\n') ? body : `${body}\n`;
  return `---\n${stringifyYaml(header, { lineWidth: 0 })}---\n\n${text}`;
}
