/**
 * The form of a program that duplicate detection compares: comments and blank lines dropped, trailing
 * whitespace trimmed and runs of inner whitespace collapsed. Two children that differ only there run
 * the same code, so the second is rejected before it costs an evaluation. Leading indentation is kept,
 * since it is syntax in Python. Language-agnostic on purpose: `#` and `//` comments are removed only
 * where the quotes before them are balanced, so a `#` inside a string literal survives.
 */
export function normalizeCode(text: string): string {
  const kept: string[] = [];
  let inBlockComment = false;
  for (const rawLine of text.replace(/\r\n/g, '\n').split('\n')) {
    let line = rawLine;
    if (inBlockComment) {
      const end = line.indexOf('*/');
      if (end < 0) continue;
      line = line.slice(end + 2);
      inBlockComment = false;
    }
    line = stripBlockComments(line);
    if (line.includes('/*') && quotesBalancedBefore(line, line.indexOf('/*'))) {
      line = line.slice(0, line.indexOf('/*'));
      inBlockComment = true;
    }
    line = stripLineComment(line);
    const indentation = /^[ \t]*/.exec(line)![0];
    const body = line.slice(indentation.length).replace(/[ \t]+/g, ' ').trimEnd();
    if (body !== '') kept.push(indentation + body);
  }
  return kept.join('\n');
}

/** Removes `/* ... *\/` comments that open and close on this line. */
function stripBlockComments(line: string): string {
  let result = line;
  for (;;) {
    const start = result.indexOf('/*');
    if (start < 0 || !quotesBalancedBefore(result, start)) return result;
    const end = result.indexOf('*/', start + 2);
    if (end < 0) return result;
    result = `${result.slice(0, start)} ${result.slice(end + 2)}`;
  }
}

function stripLineComment(line: string): string {
  for (let index = 0; index < line.length; index += 1) {
    const character = line[index];
    const opensComment = character === '#' || (character === '/' && line[index + 1] === '/');
    if (opensComment && (index === 0 || /\s/.test(line[index - 1]!)) && quotesBalancedBefore(line, index)) return line.slice(0, index);
  }
  return line;
}

function quotesBalancedBefore(line: string, position: number): boolean {
  const before = line.slice(0, position);
  const count = (quote: string): number => before.split(quote).length - 1;
  return count('"') % 2 === 0 && count("'") % 2 === 0 && count('`') % 2 === 0;
}
