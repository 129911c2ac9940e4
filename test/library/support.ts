import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LessonContent, SkillContent } from '../../src/library/artifact-content.ts';

/** A fresh temporary directory and its cleanup. */
export function temporaryDirectory(prefix = 'lamarck-library-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function lesson(text: string, extra: Partial<LessonContent> = {}): LessonContent {
  return { title: text.split(' ').slice(0, 4).join(' '), text, type: 'strategy', when: '', tags: [], ...extra };
}

export function skill(description: string, body = '# Steps\n\n1. Do it.\n', files: Record<string, string> = {}): SkillContent {
  return { description, body, files };
}
