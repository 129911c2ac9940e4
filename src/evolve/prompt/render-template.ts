/**
 * `{{name}}` placeholders, filled from a map; a missing name renders as empty text. A line holding
 * only a placeholder with nothing to say is dropped with its surrounding blank lines, so optional
 * sections (insights, a previous failure) vanish cleanly. Values are inserted verbatim and never
 * re-rendered, so code containing `{{` or blank lines reaches the model unchanged.
 */
const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const kept = template
    .split('\n')
    .filter((line) => {
      const only = /^\s*\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$/.exec(line);
      return only === null || (values[only[1]!] ?? '').trim() !== '';
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
  return `${kept.replace(placeholder, (_match, name: string) => values[name] ?? '').trim()}\n`;
}

/** The placeholder names a template uses, for checking overrides. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(placeholder)].map((match) => match[1]!))];
}
