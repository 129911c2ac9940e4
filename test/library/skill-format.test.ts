import { describe, expect, it } from 'vitest';
import {
  parseSkillFile,
  serializeSkillFile,
  toSkillName,
  validateSkillFrontmatter,
  validateSkillName,
} from '../../src/library/skill-format.ts';

// Rules of the Agent Skills specification's reference validator, one case each.
describe('skill names', () => {
  it.each([
    ['pdf-processing', []],
    ['a', []],
    ['données-2', []],
    ['x'.repeat(64), []],
  ])('accepts %s', (name, problems) => {
    expect(validateSkillName(name)).toEqual(problems);
  });

  it.each([
    ['', 'must not be empty'],
    ['x'.repeat(65), 'at most 64'],
    ['PDF-Processing', 'lowercase'],
    ['-pdf', 'start or end with a hyphen'],
    ['pdf-', 'start or end with a hyphen'],
    ['pdf--processing', 'consecutive hyphens'],
    ['pdf_processing', 'letters, digits and hyphens'],
    ['pdf processing', 'letters, digits and hyphens'],
  ])('rejects %j (%s)', (name, fragment) => {
    expect(validateSkillName(name).join(' ')).toContain(fragment);
  });

  it('requires the name to equal the directory name', () => {
    expect(validateSkillName('pdf', 'pdf')).toEqual([]);
    expect(validateSkillName('pdf', 'docx').join(' ')).toContain('does not match its directory "docx"');
  });

  it('applies NFKC normalization before comparing', () => {
    // "ｐｄｆ" in full-width letters normalizes to "pdf".
    expect(validateSkillName('\uff50\uff44\uff46', 'pdf')).toEqual([]);
  });

  it('makes valid names from free text', () => {
    expect(toSkillName('Fix JSON Output!')).toBe('fix-json-output');
    expect(validateSkillName(toSkillName(`${'A very long title '.repeat(10)}`))).toEqual([]);
    expect(toSkillName('!!!')).toBe('skill');
  });
});

describe('frontmatter', () => {
  const valid = { name: 'pdf', description: 'Extract text from PDFs. Use when a task mentions PDF files.' };

  it('accepts every optional field in its form', () => {
    expect(
      validateSkillFrontmatter({
        ...valid,
        license: 'MIT',
        compatibility: 'Requires python3',
        metadata: { author: 'me', version: '1.0' },
        'allowed-tools': 'Bash(git:*) Read',
      }),
    ).toEqual([]);
  });

  it.each([
    [{ name: 'pdf' }, '`description` is required'],
    [{ ...valid, description: '   ' }, '`description` is required'],
    [{ ...valid, description: 'x'.repeat(1025) }, 'at most 1024'],
    [{ ...valid, compatibility: 'x'.repeat(501) }, 'at most 500'],
    [{ ...valid, compatibility: '' }, '`compatibility` must be a non-empty string'],
    [{ ...valid, metadata: { version: 1 } }, '`metadata` must be a map of strings to strings'],
    [{ ...valid, metadata: ['a'] }, '`metadata` must be a map'],
    [{ ...valid, 'allowed-tools': ['Read'] }, '`allowed-tools` must be a space-separated string'],
    [{ ...valid, version: '1' }, 'unknown frontmatter key `version`'],
    [{ description: 'x' }, '`name` is required'],
  ])('rejects %j', (frontmatter, fragment) => {
    expect(validateSkillFrontmatter(frontmatter).join(' ')).toContain(fragment);
  });

  it('rejects a non-mapping', () => {
    expect(validateSkillFrontmatter(['a'])).toEqual(['the frontmatter must be a YAML mapping']);
  });
});

describe('SKILL.md files', () => {
  it('parses frontmatter and body', () => {
    const result = parseSkillFile('---\nname: pdf\ndescription: Read PDFs.\n---\n\n# PDF\n\nSteps.\n', 'pdf');
    expect(result).toEqual({ ok: true, skill: { frontmatter: { name: 'pdf', description: 'Read PDFs.' }, body: '# PDF\n\nSteps.\n' } });
  });

  it('reports bad YAML, a missing opening and an unclosed frontmatter', () => {
    const badYaml = parseSkillFile('---\nname: pdf\ndescription: [unclosed\n---\nbody', 'pdf');
    expect(badYaml.ok).toBe(false);
    expect(!badYaml.ok && badYaml.problems[0]).toContain('bad YAML');
    const noOpening = parseSkillFile('# just markdown', 'pdf');
    expect(!noOpening.ok && noOpening.problems[0]).toContain('must start with a `---` line');
    const unclosed = parseSkillFile('---\nname: pdf\n', 'pdf');
    expect(!unclosed.ok && unclosed.problems[0]).toContain('not closed');
  });

  it('rejects duplicate keys as bad YAML', () => {
    const result = parseSkillFile('---\nname: pdf\nname: pdf\ndescription: x\n---\n', 'pdf');
    expect(result.ok).toBe(false);
  });

  it('round-trips through serialize and parse, with descriptions YAML would otherwise misread', () => {
    const descriptions = ['Use when: the task says "yes" # not a comment', 'true', '- looks like a list', 'multi\nline'];
    for (const description of descriptions) {
      const text = serializeSkillFile({
        frontmatter: { name: 'x', description, metadata: { a: '1' }, 'allowed-tools': 'Read' },
        body: '# Body',
      });
      const parsed = parseSkillFile(text, 'x');
      expect(parsed.ok && parsed.skill.frontmatter.description).toBe(description);
      expect(parsed.ok && parsed.skill.body).toBe('# Body\n');
    }
  });

  it('refuses to serialize an invalid skill', () => {
    expect(() => serializeSkillFile({ frontmatter: { name: 'Bad Name', description: 'x' }, body: '' })).toThrow(/lowercase/);
  });
});
