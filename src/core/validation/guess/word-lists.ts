/**
 * The word lists of the guessability check, from @zxcvbn-ts/language-common and
 * @zxcvbn-ts/language-en, arranged for the fast screen as lexicons and built lazily, once per
 * process. zxcvbn itself gets the lists untouched (see analyse.ts).
 *
 * A lexicon is one open-addressing hash table in a typed array, keyed by the 32-bit FNV-1a hash of
 * every lower-case word and of its prefixes of `minLength`, `minLength + 2`, ... characters, and
 * holding the best rank of the word equal to the key (0 when the key is only a prefix). Indexing
 * every other prefix length halves the table work; a search then prunes a dead reading at most one
 * character late. A search extends a rolling hash one character at a time, so it never builds a
 * string, and building the table creates none either: this matters because touching 236,000 words
 * is the one-time cost of the whole check. Two strings with the same hash share an entry, so a
 * prefix may look alive or a string may look like a word when it is not (the table holds a few
 * hundred thousand of the four billion hashes, so about one lookup in ten thousand); both only
 * make the screen report more, the safe direction.
 */
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/** Words and their prefixes; see the module comment. */
export interface Lexicon {
  /** Shortest word indexed. */
  readonly minLength: number;
  /** Length of the longest word. */
  readonly maxLength: number;
  /**
   * Looks up the hash of a string of at least `minLength` characters: -1 when no word starts with
   * it, 0 when words start with it but it is not one, else the best rank of the word it is.
   */
  lookup(hash: number): number;
}

/** Prefixes are indexed at every PREFIX_STRIDE-th length from the shortest word on. */
export const PREFIX_STRIDE = 2;

/** FNV-1a offset basis; continue a hash with {@link hashStep}. */
export const HASH_START = 0x811c9dc5 | 0;

/** Adds one character code to a FNV-1a hash. */
export function hashStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, 16777619);
}

/**
 * Builds a lexicon from lists of words in rank order (rank = position + 1). Words shorter than
 * `minLength` or with characters outside printable ASCII are left out.
 */
export function buildLexicon(lists: readonly (readonly (string | number)[])[], minLength: number): Lexicon {
  let words = 0;
  for (const list of lists) words += list.length;
  const table = new HashTable(words * 2);
  const hashes = new Int32Array(256);
  let maxLength = 0;
  for (const list of lists) {
    for (let position = 0; position < list.length; position += 1) {
      const word = String(list[position]);
      if (word.length < minLength || word.length > hashes.length) continue;
      let hash = HASH_START;
      let ascii = true;
      for (let k = 0; k < word.length; k += 1) {
        let code = word.charCodeAt(k);
        if (code < 0x20 || code > 0x7e) { ascii = false; break; }
        if (code >= 65 && code <= 90) code += 32;
        hash = hashStep(hash, code);
        hashes[k] = hash;
      }
      if (!ascii) continue;
      for (let k = minLength - 1; k < word.length - 1; k += PREFIX_STRIDE) table.add(hashes[k] ?? 0, 0);
      table.add(hash, position + 1);
      if (word.length > maxLength) maxLength = word.length;
    }
  }
  return { minLength, maxLength, lookup: (hash) => table.get(hash) };
}

/**
 * An open-addressing hash table from int32 keys to a rank, in one Int32Array of [key, rank]
 * pairs (key 0 marks an empty slot, so key 0 is stored as 1). It grows when 70% full. Words share
 * most prefixes (the 236,000 words give about 300,000 distinct entries), so twice the number of
 * words is a good starting size.
 */
class HashTable {
  private slots: Int32Array;
  private mask: number;
  private used = 0;

  constructor(expected: number) {
    let size = 16;
    while (size < expected) size *= 2;
    this.slots = new Int32Array(size * 2);
    this.mask = size - 1;
  }

  private find(key: number): number {
    let at = (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
    for (;;) {
      const stored = this.slots[at * 2] ?? 0;
      if (stored === 0 || stored === key) return at;
      at = (at + 1) & this.mask;
    }
  }

  /** Adds a key; a positive rank is kept when it is the best seen. */
  add(hash: number, rank: number): void {
    const key = hash === 0 ? 1 : hash;
    let at = this.find(key);
    if (this.slots[at * 2] === 0) {
      if ((this.used + 1) * 10 > (this.mask + 1) * 7) { this.grow(); at = this.find(key); }
      this.slots[at * 2] = key;
      this.used += 1;
    }
    const known = this.slots[at * 2 + 1] ?? 0;
    if (rank > 0 && (known === 0 || rank < known)) this.slots[at * 2 + 1] = rank;
  }

  /** -1 when absent, else the stored rank (0 for a prefix that is not a word). */
  get(hash: number): number {
    const at = this.find(hash === 0 ? 1 : hash);
    return this.slots[at * 2] === 0 ? -1 : (this.slots[at * 2 + 1] ?? 0);
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let k = 0; k < old.length; k += 2) {
      const key = old[k] ?? 0;
      if (key === 0) continue;
      const at = this.find(key);
      this.slots[at * 2] = key;
      this.slots[at * 2 + 1] = old[k + 1] ?? 0;
    }
  }
}

/** Names (or name prefixes) of the word-sequence lists (numbers, months, colours, ...). */
const WORD_SEQUENCE_PREFIXES = [
  'cardinalNumbers', 'ordinalNumbers', 'daysOfWeek', 'months', 'seasons', 'timePeriods', 'rainbowColors',
  'directions', 'intermediateDirections', 'sizeProgression', 'militaryAlphabet', 'planets', 'zodiacSigns', 'chineseZodiac',
];

/** Whether zxcvbn treats a list as a word-sequence list. */
export function isSequenceList(name: string): boolean {
  return WORD_SEQUENCE_PREFIXES.some((p) => name === p || name.startsWith(`${p}-`));
}

/** Every list, by name. */
export function allLists(): Record<string, readonly (string | number)[]> {
  return { ...common.dictionary, ...english.dictionary };
}

interface Arranged {
  /** Every word of 4+ characters (the shortest that can explain characters). */
  readonly main: Lexicon;
  /** Word-sequence words of 2+ characters. */
  readonly sequences: Lexicon;
}

let arranged: Arranged | undefined;

/** The screen's lexicons, built on first use. */
export function lexicons(): Arranged {
  if (arranged !== undefined) return arranged;
  const lists = allLists();
  const sequenceLists = Object.entries(lists).filter(([name]) => isSequenceList(name)).map(([, words]) => words);
  arranged = { main: buildLexicon(Object.values(lists), 4), sequences: buildLexicon(sequenceLists, 2) };
  return arranged;
}
