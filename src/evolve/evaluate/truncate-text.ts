/**
 * Keeps the head and the tail of a long text within a character budget: the start of a log says
 * what ran, the end says how it died, and the middle is rarely worth the tokens.
 */
export function truncateMiddle(text: string, budget: number): string {
  if (text.length <= budget) return text;
  if (budget <= 0) return '';
  const marker = `\n[... ${text.length - budget} characters omitted ...]\n`;
  const room = Math.max(0, budget - marker.length);
  const head = Math.ceil(room * 0.4);
  const tail = room - head;
  return text.slice(0, head) + marker + (tail > 0 ? text.slice(text.length - tail) : '');
}
