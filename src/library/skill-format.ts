import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/**
 * The Agent Skills `SKILL.md` format (agentskills.io specification): YAML frontmatter between
 * `---` lines, then a free Markdown body. Validation follows the specification's reference
 * validator, so a skill that passes here loads in any client that reads the format.
 */
export const skillFileName = 'SKILL.md';
export const skillNameMaxLength = 64;
export const skillDescriptionMaxLength = 1024;
export const skillCompatibilityMaxLength = 500;
export const allowedFrontmatterKeys = ['name', 'description', 'license', 'compatibility', 'metadata', 'allowed-tools'] as const;

export interface SkillFrontmatter {
  name: string;
  description: string;
  license?: string;
  compatibility?: string;
  metadata?: Record<string, string>;
  'allowed-tools'?: string;
}

export interface ParsedSkillFile {
  frontmatter: SkillFrontmatter;
  body: string;
}

export type SkillParseResult = { ok: true; skill: ParsedSkillFile } | { ok: false; problems: string[] };

/** Problems with a skill name, empty when it is valid. `directoryName` is checked when given. */
export function validateSkillName(name: unknown, directoryName?: string): string[] {
  if (typeof name !== 'string') return ['`name` is required and must be a string'];
  const normalized = name.normalize('NFKC');
  const problems: string[] = [];
  if (normalized.length === 0) problems.push('`name` must not be empty');
  if (normalized.length > skillNameMaxLength) {
    problems.push(`\`name\` is ${normalized.length} characters; at most ${skillNameMaxLength} are allowed`);
  }
  if (normalized !== normalized.toLowerCase()) problems.push('`name` must be lowercase');
  if (!/^[\p{L}\p{N}-]*$/u.test(normalized)) {
    problems.push('`name` may contain only letters, digits and hyphens');
  }
  if (normalized.startsWith('-') || normalized.endsWith('-')) problems.push('`name` must not start or end with a hyphen');
  if (normalized.includes('--')) problems.push('`name` must not contain consecutive hyphens');
  if (directoryName !== undefined && normalized !== directoryName.normalize('NFKC')) {
    problems.push(`\`name\` "${name}" does not match its directory "${directoryName}"`);
  }
  return problems;
}

/** Problems with a frontmatter object, empty when it is spec-valid. */
export function validateSkillFrontmatter(value: unknown, directoryName?: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return ['the frontmatter must be a YAML mapping'];
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const unknownKeys = Object.keys(record).filter((key) => !(allowedFrontmatterKeys as readonly string[]).includes(key));
  if (unknownKeys.length > 0) {
    problems.push(
      `unknown frontmatter key${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((key) => `\`${key}\``).join(', ')} (allowed: ${allowedFrontmatterKeys.join(', ')})`,
    );
  }
  problems.push(...validateSkillName(record['name'], directoryName));
  const description = record['description'];
  if (typeof description !== 'string' || description.trim().length === 0) {
    problems.push('`description` is required and must be a non-empty string');
  } else if (description.length > skillDescriptionMaxLength) {
    problems.push(`\`description\` is ${description.length} characters; at most ${skillDescriptionMaxLength} are allowed`);
  }
  if ('license' in record && typeof record['license'] !== 'string') problems.push('`license` must be a string');
  if ('compatibility' in record) {
    const compatibility = record['compatibility'];
    if (typeof compatibility !== 'string' || compatibility.length === 0) {
      problems.push('`compatibility` must be a non-empty string');
    } else if (compatibility.length > skillCompatibilityMaxLength) {
      problems.push(`\`compatibility\` is ${compatibility.length} characters; at most ${skillCompatibilityMaxLength} are allowed`);
    }
  }
  if ('metadata' in record) {
    const metadata = record['metadata'];
    const isStringMap =
      typeof metadata === 'object' &&
      metadata !== null &&
      !Array.isArray(metadata) &&
      Object.values(metadata).every((entry) => typeof entry === 'string');
    if (!isStringMap) problems.push('`metadata` must be a map of strings to strings');
  }
  if ('allowed-tools' in record && typeof record['allowed-tools'] !== 'string') {
    problems.push('`allowed-tools` must be a space-separated string');
  }
  return problems;
}

/** Splits `---` frontmatter from the body and validates it. Never throws on bad input. */
export function parseSkillFile(text: string, directoryName?: string): SkillParseResult {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!normalized.startsWith('---\n')) {
    return { ok: false, problems: ['the file must start with a `---` line opening the YAML frontmatter'] };
  }
  const closing = /^---[ \t]*$/m.exec(normalized.slice(4));
  if (closing === null) return { ok: false, problems: ['the YAML frontmatter is not closed by a `---` line'] };
  const yamlText = normalized.slice(4, 4 + closing.index);
  const body = normalized.slice(4 + closing.index + closing[0].length).replace(/^\n+/, '');
  let frontmatter: unknown;
  try {
    frontmatter = parseYaml(yamlText, { prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, problems: [`bad YAML in the frontmatter: ${reason}`] };
  }
  const problems = validateSkillFrontmatter(frontmatter, directoryName);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, skill: { frontmatter: canonicalFrontmatter(frontmatter as SkillFrontmatter), body } };
}

/** Writes a spec-valid SKILL.md; throws a TypeError naming the problems when the frontmatter is not. */
export function serializeSkillFile(skill: ParsedSkillFile): string {
  const problems = validateSkillFrontmatter(skill.frontmatter);
  if (problems.length > 0) throw new TypeError(`invalid skill frontmatter: ${problems.join('; ')}`);
  const yamlText = stringifyYaml(canonicalFrontmatter(skill.frontmatter), { lineWidth: 0 });
  const body = skill.body.endsWith('\n') || skill.body.length === 0 ? skill.body : `${skill.body}\n`;
  return `---\n${yamlText}---\n\n${body}`;
}

/** The frontmatter with keys in the specification's order and absent optionals dropped. */
export function canonicalFrontmatter(frontmatter: SkillFrontmatter): SkillFrontmatter {
  const result: SkillFrontmatter = { name: frontmatter.name.normalize('NFKC'), description: frontmatter.description };
  if (frontmatter.license !== undefined) result.license = frontmatter.license;
  if (frontmatter.compatibility !== undefined) result.compatibility = frontmatter.compatibility;
  if (frontmatter.metadata !== undefined) result.metadata = { ...frontmatter.metadata };
  if (frontmatter['allowed-tools'] !== undefined) result['allowed-tools'] = frontmatter['allowed-tools'];
  return result;
}

/** Turns free text into a valid skill name (`Fix JSON Output!` → `fix-json-output`). */
export function toSkillName(text: string): string {
  const slug = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, skillNameMaxLength)
    .replace(/-+$/, '');
  return slug.length > 0 ? slug : 'skill';
}
