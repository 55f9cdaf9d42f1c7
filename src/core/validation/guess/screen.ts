/**
 * The fast screen in front of zxcvbn. zxcvbn-ts v4 needs tens of milliseconds per value (hundreds
 * for some 64-character strings), so running it on every secret would make validating a thousand
 * secrets take minutes. The screen finds, in about a tenth of a millisecond, every stretch of the
 * value that some zxcvbn matcher could report as a pattern explaining characters under the shared
 * rule ({@link explains}), each with a lower bound of zxcvbn's own guess estimate: dictionary,
 * l33t and reversed words, context words, word sequences, keyboard walks, repeats, sequences,
 * dates and recent years. From them it bounds what zxcvbn's matches could cover and save; when the
 * bounds fall short of the rule, zxcvbn could not flag the value either and is not run. The screen may over-report
 * (zxcvbn then decides), never under-report. It reads ASCII only; callers send other values
 * straight to zxcvbn.
 */
import { explains, savedBits } from './rule.js';
import { findDates } from './dates.js';
import { findKeyboardWalks } from './keyboard.js';
import { findRepeats, findSequences } from './runs.js';
import { findWords } from './find-words.js';
import { uppercaseVariations } from './variations.js';
import { lexicons, type Lexicon } from './word-lists.js';

type Consider = (i: number, j: number, log2Guesses: number) => void;

/** Upper bounds on what zxcvbn's explaining matches can cover and save in a value. */
export interface ScreenBounds {
  /** Characters that some explaining match could cover. */
  readonly explained: number;
  /** Bits the explaining matches could save: per character, the best saving per character of any candidate covering it. */
  readonly saved: number;
}

/**
 * Upper bounds on how much of `value` zxcvbn patterns can explain, and how many bits they can save.
 *
 * @param value printable ASCII, already cut to the analysed length.
 * @param bitsPerChar log2 of the value's alphabet size.
 * @param context a lexicon of the words zxcvbn receives as user inputs, if any.
 */
export function screenPatterns(value: string, bitsPerChar: number, context?: Lexicon): ScreenBounds {
  const n = value.length;
  const best = new Float64Array(n);
  const consider: Consider = (i, j, log2Guesses) => {
    const length = j - i + 1;
    if (!explains(length, log2Guesses, bitsPerChar)) return;
    const perChar = savedBits(length, log2Guesses, bitsPerChar) / length;
    for (let k = i; k <= j; k += 1) if (perChar > (best[k] ?? 0)) best[k] = perChar;
  };
  const lower = value.toLowerCase();
  const reversed = [...lower].reverse().join('');
  const { main, sequences } = lexicons();
  scanWords(value, lower, reversed, main, consider);
  if (context !== undefined) scanWords(value, lower, reversed, context, consider);
  scanWordSequences(lower, reversed, sequences, consider);
  findKeyboardWalks(value, consider);
  findRepeats(value, consider);
  findSequences(value, consider);
  findDates(value, consider);
  let explained = 0;
  let saved = 0;
  for (const perChar of best) {
    if (perChar > 0) { explained += 1; saved += perChar; }
  }
  return { explained, saved };
}

/**
 * Dictionary words: plain and l33t forwards, plain reversed (twice the guesses), each at least
 * rank x zxcvbn's capitalisation factor x 2 per distinct l33t substitution.
 */
function scanWords(value: string, lower: string, reversed: string, lexicon: Lexicon, consider: Consider): void {
  const n = value.length;
  findWords(lower, lexicon, true, (start, length, rank, substitutions) => {
    consider(start, start + length - 1, Math.log2(rank * uppercaseVariations(value.slice(start, start + length))) + substitutions);
  });
  findWords(reversed, lexicon, false, (start, length, rank) => {
    const from = n - start - length;
    consider(from, n - 1 - start, Math.log2(rank * uppercaseVariations(value.slice(from, n - start))) + 1);
  });
}

/**
 * Word sequences (onetwothree, north-east): chains of two or more word-sequence words joined
 * directly or by one character. zxcvbn rates them at a handful of guesses, so any chain counts.
 */
function scanWordSequences(lower: string, reversed: string, lexicon: Lexicon, consider: Consider): void {
  const n = lower.length;
  const found: [number, number][] = [];
  findWords(lower, lexicon, true, (start, length) => { found.push([start, start + length - 1]); });
  findWords(reversed, lexicon, false, (start, length) => { found.push([n - start - length, n - 1 - start]); });
  found.sort((a, b) => a[0] - b[0]);
  let start = -1;
  let end = -1;
  let words = 0;
  for (const [i, j] of found) {
    if (words > 0 && i <= end + 2) {
      end = Math.max(end, j);
      words += 1;
      continue;
    }
    if (words >= 2) consider(start, end, 0);
    start = i;
    end = j;
    words = 1;
  }
  if (words >= 2) consider(start, end, 0);
}
