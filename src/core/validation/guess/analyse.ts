/**
 * Runs zxcvbn-ts (v4) on a value and measures, under the shared rule, how much of it the patterns
 * zxcvbn finds explain. The zxcvbn instance is built lazily, once per process, with the word lists
 * of word-lists.ts and the single-character l33t table of l33t.ts (which keeps the fast screen
 * exact). l33t substitutions are capped so that a long value costs tens of milliseconds, not
 * seconds. Nothing here keeps or returns the value or any token of it: callers get counts and the
 * kinds of pattern found.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import type { MatchExtended } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import { explains, savedBits } from './rule.js';
import { L33T_TABLE } from './l33t.js';
import { allLists } from './word-lists.js';

/** Kinds of pattern, as reports name them. */
export type PatternKind = 'dictionary word' | 'reversed word' | 'l33t word' | 'context word' | 'word sequence' | 'keyboard pattern' | 'repeat' | 'sequence' | 'date' | 'year';

/** What zxcvbn's match sequence says about a value. */
export interface PatternAnalysis {
  /** Characters explained by patterns. */
  readonly explained: number;
  /** Bits the explaining patterns save over random characters. */
  readonly saved: number;
  /** Characters analysed. */
  readonly length: number;
  /** Kinds of the explaining patterns, in order of first appearance. */
  readonly kinds: readonly PatternKind[];
}

/** How many l33t variants zxcvbn tries (its default, 100, costs up to a second on 64 characters). */
const L33T_MAX_SUBSTITUTIONS = 12;

let instance: ZxcvbnFactory | undefined;

function zxcvbn(): ZxcvbnFactory {
  instance ??= new ZxcvbnFactory({
    dictionary: allLists() as Record<string, (string | number)[]>,
    graphs: common.adjacencyGraphs,
    translations: english.translations,
    l33tTable: L33T_TABLE,
    l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
  });
  return instance;
}

function kindOf(match: MatchExtended): PatternKind | undefined {
  switch (match.pattern) {
    case 'dictionary':
      if (match['dictionaryName'] === 'userInputs') return 'context word';
      if (match['reversed'] === true) return 'reversed word';
      return match['l33t'] === true ? 'l33t word' : 'dictionary word';
    case 'wordSequence': return 'word sequence';
    case 'spatial': return 'keyboard pattern';
    case 'repeat': return 'repeat';
    case 'sequence': return 'sequence';
    case 'date': return 'date';
    case 'regex': return 'year';
    default: return undefined;
  }
}

/**
 * Analyses `value` (already cut to the analysed length) with zxcvbn.
 *
 * @param bitsPerChar log2 of the value's alphabet size, for the shared rule.
 * @param contextWords words that are guessable in this context (name parts, environment).
 */
export function analysePatterns(value: string, bitsPerChar: number, contextWords: readonly string[]): PatternAnalysis {
  const result = zxcvbn().check(value, [...contextWords]);
  let explained = 0;
  let saved = 0;
  const kinds: PatternKind[] = [];
  for (const match of result.sequence) {
    const kind = kindOf(match);
    const guesses = typeof match['guesses'] === 'number' ? (match['guesses'] as number) : Number.POSITIVE_INFINITY;
    const length = match.j - match.i + 1;
    const log2Guesses = Math.log2(Math.max(guesses, 1));
    if (kind === undefined || !explains(length, log2Guesses, bitsPerChar)) continue;
    explained += length;
    saved += savedBits(length, log2Guesses, bitsPerChar);
    if (!kinds.includes(kind)) kinds.push(kind);
  }
  return { explained, saved, length: value.length, kinds };
}
