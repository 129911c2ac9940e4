/**
 * The reference point: textbook BM25 (k1 = 1.2, b = 0.75) over one field made of name,
 * description and body, with lowercase letter-and-digit words and nothing else: no stemming,
 * no stop words, no fields.
 */
export class PlainBm25 {
  readonly #documents: { id: string; terms: Map<string, number>; length: number }[] = [];
  readonly #documentFrequency = new Map<string, number>();

  add(id: string, text: string): void {
    const terms = new Map<string, number>();
    const words = plainWords(text);
    for (const word of words) terms.set(word, (terms.get(word) ?? 0) + 1);
    for (const term of terms.keys()) this.#documentFrequency.set(term, (this.#documentFrequency.get(term) ?? 0) + 1);
    this.#documents.push({ id, terms, length: words.length });
  }

  search(query: string): string[] {
    const count = this.#documents.length;
    const averageLength = this.#documents.reduce((sum, document) => sum + document.length, 0) / count;
    const queryTerms = [...new Set(plainWords(query))];
    return this.#documents
      .map((document) => {
        let score = 0;
        for (const term of queryTerms) {
          const frequency = document.terms.get(term) ?? 0;
          if (frequency === 0) continue;
          const documentFrequency = this.#documentFrequency.get(term)!;
          const idf = Math.log(1 + (count - documentFrequency + 0.5) / (documentFrequency + 0.5));
          score += (idf * frequency * 2.2) / (frequency + 1.2 * (0.25 + (0.75 * document.length) / averageLength));
        }
        return { id: document.id, score };
      })
      .filter((hit) => hit.score > 0)
      .sort((first, second) => second.score - first.score)
      .map((hit) => hit.id);
  }
}

function plainWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
