import type { ContentByKind, LibraryKind } from '../artifact-content.ts';
import { CharacterNgramIndex } from './character-ngrams.ts';
import { FieldedBm25Index, type ScoredId } from './fielded-bm25-index.ts';
import { LearnedTriggers } from './learned-triggers.ts';
import { sharedLexicalDatabase, type LexicalDatabase } from './lexical-database.ts';
import { fieldVector, type RetrievalSettings } from './retrieval-settings.ts';
import { searchFieldNames, searchFields } from './searchable-fields.ts';
import { contentWords, stemWord } from './text-analysis.ts';
import { WordCompletions } from './word-completions.ts';
import { conversionEnds, directionAgreement, type ConversionEnds } from './conversion-direction.ts';
import { programmingVocabulary } from './programming-vocabulary.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * Lexical retrieval without a model. An artifact's fields are ranked by BM25F; words related to
 * its name, description and triggers in WordNet fill one more field ("related"). A query is its
 * own stemmed words plus, at lower weights, their WordNet relatives and the library's words
 * spelled like them (character trigrams): one linear blend whose weights were fitted on the
 * development split. Each hit can say which terms matched, where, and by which route.
 */
export const indexFieldNames = [...searchFieldNames, 'related', 'learned'] as const;
export type IndexFieldName = (typeof indexFieldNames)[number];

/** How a query term came to be searched. */
export type TermSource = 'typed' | 'related-word' | 'definition-word' | 'programming-vocabulary' | 'abbreviation' | 'spelling-variant' | 'learned-trigger';

export interface LexicalMatch {
  term: string;
  /** The query word it came from (itself, when typed). */
  from: string;
  source: TermSource;
  fields: IndexFieldName[];
  score: number;
}

/** One item to index: what LibraryIndex holds of an artifact. */
export interface LexicalItem {
  id: string;
  kind: LibraryKind;
  name: string;
  content: ContentByKind[LibraryKind];
}

interface QueryTerm {
  weight: number;
  from: string;
  source: TermSource;
}

const expandedFields = new Set(['name', 'description', 'triggers']);
const textFields = searchFieldNames.map((_, position) => position);

export class LexicalRetriever {
  readonly #settings: RetrievalSettings;
  readonly #index: FieldedBm25Index;
  readonly #lexicon: LexicalDatabase | undefined;
  readonly #spelling = new CharacterNgramIndex();
  /** Every word items have used (the vocabulary), with its stem's term number in the index. */
  readonly #termNumberByWord = new Map<string, number>();
  readonly #completions = new WordCompletions();
  readonly #conversions = new Map<string, ConversionEnds>();
  /** Stems of every word the library's text fields used (an item's removal leaves them: a stale one only weakens an expansion). */
  readonly #knownTerms = new Set<string>();
  #learned = new LearnedTriggers();

  constructor(settings: RetrievalSettings, options: { commonTermFraction?: number; lexicon?: LexicalDatabase } = {}) {
    this.#settings = settings;
    const expansion = settings.lexicalExpansion;
    this.#index = new FieldedBm25Index({
      weights: [...fieldVector(settings.fieldWeights), expansion.documentWeight],
      lengthNormalization: [...fieldVector(settings.fieldLengthNormalization), 0.5],
      k1: settings.k1,
      ...definedOnly({ commonTermFraction: options.commonTermFraction }),
    });
    const expands = expansion.queryWeight > 0 || expansion.unknownWordQueryWeight > 0 || expansion.documentWeight > 0 || settings.definitions.queryWeight > 0 || settings.definitions.documentWeight > 0;
    this.#lexicon = !expands
      ? undefined
      : (options.lexicon ??
        sharedLexicalDatabase({ senses: expansion.senses, maximumPolysemy: expansion.maximumPolysemy, hypernymWeight: expansion.hypernymWeight, derivationWeight: expansion.derivationWeight }));
  }

  add(id: string, kind: LibraryKind, name: string, content: ContentByKind[LibraryKind]): void {
    this.addAll([{ id, kind, name, content }]);
  }

  /** Adds or replaces items in one batch (what building an index does: see FieldedBm25Index.addAll). */
  addAll(items: readonly LexicalItem[]): void {
    for (const item of items) {
      const ends = conversionEnds(item.name, (text) => contentWords(text).map((word) => this.#stem(word)));
      if (ends === undefined) this.#conversions.delete(item.id);
      else this.#conversions.set(item.id, ends);
    }
    this.#index.addAll(items.map((item) => ({ id: item.id, fields: this.#numberedFields(item) })));
  }

  /** An item's fields as term numbers of the index, with the related-word field last. */
  #numberedFields({ kind, name, content }: LexicalItem): number[][] {
    const fields = searchFields(kind, name, content);
    const expandDocuments = this.#settings.lexicalExpansion.documentWeight > 0;
    const related: number[] = [];
    const numbered = searchFieldNames.map((field) => {
      const words = contentWords(fields[field]);
      const numbers: number[] = new Array<number>(words.length);
      for (let position = 0; position < words.length; position += 1) {
        const word = words[position]!;
        // One look-up per word: a word seen before is in the vocabulary and has its term number.
        let number = this.#termNumberByWord.get(word);
        if (number === undefined) {
          this.#spelling.add(word);
          this.#completions.add(word);
          const stem = this.#stem(word);
          this.#knownTerms.add(stem);
          number = this.#index.termNumber(stem);
          this.#termNumberByWord.set(word, number);
        }
        numbers[position] = number;
        if (expandDocuments && expandedFields.has(field)) {
          for (const relative of this.#relatives(word)) {
            if (relative.weight >= this.#settings.lexicalExpansion.documentMinimum) related.push(this.#index.termNumber(relatedTerm(this.#stem(relative.word))));
          }
        }
        if (expandedFields.has(field) && this.#settings.definitions.documentWeight > 0) {
          for (const defined of this.#definitionWords(word)) related.push(this.#index.termNumber(relatedTerm(this.#stem(defined.word))));
        }
      }
      return numbers;
    });
    numbered.push(related);
    return numbered;
  }

  remove(id: string): void {
    this.#index.remove(id);
    this.#conversions.delete(id);
  }

  /** The ids held, in the order they were (last) added. */
  ids(): string[] {
    return this.#index.ids();
  }

  /** Uses this table of learned triggers from now on. */
  setLearnedTriggers(triggers: LearnedTriggers): void {
    this.#learned = triggers;
  }

  get learnedTriggers(): LearnedTriggers {
    return this.#learned;
  }

  /** Term frequencies of an item's own text fields (not the related or learned ones). */
  termsOf(id: string): Map<string, number> | undefined {
    return this.#index.termsOf(id, textFields);
  }

  /** A text's terms, analysed as items are, with their frequencies. */
  termCounts(text: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const word of contentWords(text)) {
      const term = this.#stem(word);
      counts.set(term, (counts.get(term) ?? 0) + 1);
    }
    return counts;
  }

  idf(term: string): number {
    return this.#index.idf(term);
  }

  /** A task's typed terms with their rarity: what an outcome teaches the items it used. */
  outcomeTerms(task: string): Map<string, number> {
    const terms = new Map<string, number>();
    for (const word of contentWords(task)) {
      const term = this.#stem(word);
      terms.set(term, this.#index.idf(term));
    }
    return terms;
  }

  search(query: string, options: { limit: number; accept?: (id: string) => boolean }): ScoredId[] {
    const terms = this.#queryTerms(query);
    if (this.#settings.signalFusion.method === 'reciprocal-rank') return this.#directed(query, this.#fusedSignals(terms, options)).slice(0, options.limit);
    return this.#withLearned(weights(terms), this.#directed(query, this.#index.search(weights(terms), options)), options);
  }

  /**
   * Each signal's terms rank the items alone, and the rankings are fused by reciprocal rank (the
   * ablation of the linear blend): a signal that finds an item nobody else does still counts,
   * whatever its scores' scale. Learned triggers adjust the typed words' ranking.
   */
  #fusedSignals(terms: ReadonlyMap<string, QueryTerm>, options: { limit: number; accept?: (id: string) => boolean }): ScoredId[] {
    const { k, typedWeight, blendWeight } = this.#settings.signalFusion;
    const depth = Math.max(options.limit, 50);
    const bySource = new Map<TermSource, Map<string, number>>();
    for (const [term, origin] of terms) {
      // A typed word meeting a document's related words is part of the typed signal.
      const source = origin.source === 'related-word' && term.startsWith(relatedPrefix) ? 'typed' : origin.source;
      const group = bySource.get(source) ?? new Map<string, number>();
      group.set(term, origin.weight);
      bySource.set(source, group);
    }
    const lists: { ranked: ScoredId[]; weight: number }[] = [];
    for (const [source, group] of bySource) {
      const ranked = this.#index.search(group, { ...options, limit: depth });
      if (source === 'typed') lists.push({ ranked: this.#withLearned(weights(terms), ranked, { ...options, limit: depth }), weight: typedWeight });
      else lists.push({ ranked, weight: 1 });
    }
    if (blendWeight > 0) lists.push({ ranked: this.#index.search(weights(terms), { ...options, limit: depth }), weight: blendWeight });
    const fused = new Map<string, number>();
    for (const { ranked, weight } of lists) ranked.forEach((hit, rank) => fused.set(hit.id, (fused.get(hit.id) ?? 0) + weight / (k + rank + 1)));
    return [...fused].map(([id, score]) => ({ id, score })).sort((first, second) => second.score - first.score || first.id.localeCompare(second.id));
  }

  /**
   * Learned triggers adjust the text's scores, and bring in items the text alone missed. Failed
   * uses demote an item by at most half its text score: it stays findable, so its use and
   * failure counts keep growing and curation can still retire it.
   */
  #withLearned(queryWeights: ReadonlyMap<string, number>, ranked: ScoredId[], options: { limit: number; accept?: (id: string) => boolean }): ScoredId[] {
    const adjustments = this.#adjustments(queryWeights);
    if (adjustments.size === 0) return ranked;
    const scores = new Map(ranked.map((hit) => [hit.id, hit.score]));
    for (const [id, adjustment] of adjustments) {
      const text = scores.get(id);
      if (text === undefined) {
        if (adjustment > 0 && (options.accept === undefined || options.accept(id))) scores.set(id, adjustment);
        continue;
      }
      scores.set(id, text + Math.max(adjustment, -0.5 * text));
    }
    return [...scores]
      .map(([id, score]) => ({ id, score }))
      .filter((hit) => hit.score > 0)
      .sort((first, second) => second.score - first.score || first.id.localeCompare(second.id))
      .slice(0, options.limit);
  }

  /**
   * Converters whose direction the query's word order agrees with gain a share of their score,
   * those it contradicts lose it (conversion-direction.ts); others keep theirs.
   */
  #directed(query: string, ranked: ScoredId[]): ScoredId[] {
    const weight = this.#settings.conversionDirectionWeight;
    if (weight === 0 || !ranked.some((hit) => this.#conversions.has(hit.id))) return ranked;
    const vocabulary = stemmedProgrammingVocabulary();
    const reach = contentWords(query).map((word) => {
      const term = this.#stem(word);
      return new Set([term, ...(vocabulary.get(term) ?? [])]);
    });
    return ranked
      .map((hit) => {
        const ends = this.#conversions.get(hit.id);
        return ends === undefined ? hit : { id: hit.id, score: hit.score * (1 + weight * directionAgreement(ends, reach)) };
      })
      .sort((first, second) => second.score - first.score || first.id.localeCompare(second.id));
  }

  explain(id: string, query: string): LexicalMatch[] {
    const terms = this.#queryTerms(query);
    const learned = this.#learnedMatches(id, terms);
    const textual = this.#index.explain(id, weights(terms)).map((contribution): LexicalMatch => {
      const origin = terms.get(contribution.term)!;
      return {
        term: contribution.term.replace(relatedPrefix, ''),
        from: origin.from,
        source: origin.source,
        score: contribution.score,
        fields: contribution.fields.map((field) => indexFieldNames[field]!),
      };
    });
    return [...textual, ...learned].sort((first, second) => Math.abs(second.score) - Math.abs(first.score));
  }

  #adjustments(queryWeights: ReadonlyMap<string, number>): Map<string, number> {
    const scale = this.#settings.learnedTriggerWeight;
    if (scale === 0 || this.#learned.itemCount === 0) return new Map();
    const adjustments = this.#learned.adjustments(queryWeights, (term) => this.#index.idf(term));
    for (const [id, adjustment] of adjustments) adjustments.set(id, adjustment * scale);
    return adjustments;
  }

  #learnedMatches(id: string, terms: ReadonlyMap<string, QueryTerm>): LexicalMatch[] {
    const scale = this.#settings.learnedTriggerWeight;
    if (scale === 0) return [];
    const matches: LexicalMatch[] = [];
    for (const { term } of this.#learned.triggersOf(id)) {
      const origin = terms.get(term);
      if (origin === undefined) continue;
      const single = this.#learned.adjustments(new Map([[term, origin.weight]]), (candidate) => this.#index.idf(candidate)).get(id) ?? 0;
      matches.push({ term, from: origin.from, source: 'learned-trigger', fields: ['learned'], score: single * scale });
    }
    return matches;
  }

  /** The query's words, their WordNet relatives and their spelling variants in the library, weighted. */
  #queryTerms(query: string): Map<string, QueryTerm> {
    const terms = new Map<string, QueryTerm>();
    const offer = (term: string, weight: number, from: string, source: TermSource): void => {
      const existing = terms.get(term);
      if (existing === undefined || existing.weight < weight) terms.set(term, { weight, from, source });
    };
    const words = contentWords(query);
    for (const word of words) {
      const term = this.#stem(word);
      offer(term, 1, word, 'typed');
      // Only typed words meet the document's related words: relative-to-relative chains are noise.
      offer(relatedTerm(term), 1, word, 'related-word');
    }
    const { queryWeight, unknownWordQueryWeight } = this.#settings.lexicalExpansion;
    const ngrams = this.#settings.characterNgrams;
    const abbreviations = this.#settings.abbreviations;
    const definitions = this.#settings.definitions;
    const thesaurus = this.#settings.programmingVocabulary;
    for (const word of words) {
      const known = this.#knownTerms.has(this.#stem(word));
      const relativeWeight = known ? queryWeight : unknownWordQueryWeight;
      if (relativeWeight > 0) {
        for (const relative of this.#relatives(word)) offer(this.#stem(relative.word), relativeWeight * relative.weight, word, 'related-word');
      }
      const thesaurusWeight = thesaurus.weight * (known ? thesaurus.knownWordFactor : 1);
      if (thesaurusWeight > 0) {
        for (const fellow of stemmedProgrammingVocabulary().get(this.#stem(word)) ?? []) offer(fellow, thesaurusWeight, word, 'programming-vocabulary');
      }
      if (definitions.queryWeight > 0 && !(known && definitions.unknownWordsOnly)) {
        for (const defined of this.#definitionWords(word)) offer(this.#stem(defined.word), definitions.queryWeight * defined.weight, word, 'definition-word');
      }
      // Only a word the library never uses is taken for an abbreviation: "test" is a word, not "testing" cut short.
      if (abbreviations.weight > 0 && word.length >= 4 && !known) {
        // The stem too: "dedupe" is cut to "dedup", which begins "deduplicate".
        const stem = this.#stem(word);
        const completions = this.#completions.complete(word, abbreviations.maximumCompletions);
        for (const completion of completions.length > 0 || stem.length < 4 ? completions : this.#completions.complete(stem, abbreviations.maximumCompletions)) {
          offer(this.#stem(completion), abbreviations.weight, word, 'abbreviation');
        }
      }
      // Known words get variants too: "base64url" and "datetime" are in the library, yet the
      // skills that fit say "base64" and "date" (restricting variants to unknown words lost two
      // development statements). Capped, so a word with many look-alikes adds few postings.
      if (ngrams.weight > 0 && word.length >= 4) {
        for (const variant of this.#spelling.similar(word, ngrams.minimumSimilarity).slice(0, ngrams.maximumVariants)) {
          offer(this.#stem(variant.word), ngrams.weight * variant.similarity, word, 'spelling-variant');
        }
      }
    }
    return terms;
  }

  /** Single-word WordNet relatives (multi-word entries such as "write_in_code" are left out). */
  #relatives(word: string): { word: string; weight: number }[] {
    if (this.#lexicon === undefined || word.length < 3 || /\d/.test(word)) return [];
    return this.#lexicon.related(word).filter((relative) => /^[a-z]+$/.test(relative.word));
  }

  /** Words of the WordNet definitions of a word's commonest senses, weighted by sense. */
  #definitionWords(word: string): { word: string; weight: number }[] {
    if (this.#lexicon === undefined || word.length < 3 || /\d/.test(word)) return [];
    const weights = new Map<string, number>();
    for (const definition of this.#lexicon.definitions(word)) {
      for (const defined of contentWords(definition.text)) {
        if (defined !== word && /^[a-z]+$/.test(defined)) weights.set(defined, Math.max(weights.get(defined) ?? 0, definition.weight));
      }
    }
    return [...weights].map(([defined, weight]) => ({ word: defined, weight }));
  }

  #stem(word: string): string {
    return this.#settings.stemming ? stemWord(word) : word;
  }
}

let programmingVocabularyStems: Map<string, string[]> | undefined;

/** The thesaurus keyed and valued by stems, built once (stemming is the retriever's default). */
function stemmedProgrammingVocabulary(): ReadonlyMap<string, readonly string[]> {
  if (programmingVocabularyStems === undefined) {
    programmingVocabularyStems = new Map();
    for (const [word, fellows] of programmingVocabulary()) {
      const stem = stemWord(word);
      const known = programmingVocabularyStems.get(stem) ?? [];
      programmingVocabularyStems.set(stem, [...new Set([...known, ...fellows.map(stemWord)])].filter((fellow) => fellow !== stem));
    }
  }
  return programmingVocabularyStems;
}

// Related words of a document live under their own prefix, so that only typed query words reach them.
const relatedPrefix = '~';

function relatedTerm(term: string): string {
  return `${relatedPrefix}${term}`;
}

function weights(terms: ReadonlyMap<string, QueryTerm>): Map<string, number> {
  return new Map([...terms].map(([term, origin]) => [term, origin.weight]));
}
