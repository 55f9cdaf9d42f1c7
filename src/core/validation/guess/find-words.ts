/**
 * Finds, in a lower-case ASCII string, every window that zxcvbn's dictionary matchers could read
 * as a word of a lexicon: literally, or through l33t substitutions (each substitute tried as
 * every letter it may stand for). The search walks the readings of each window depth first with
 * a rolling hash and abandons a reading as soon as the lexicon shows that no word starts with it,
 * so it builds no strings and stays cheap even for hex strings, whose digits all have l33t readings.
 */
import { L33T_READINGS } from './l33t.js';
import { HASH_START, hashStep, PREFIX_STRIDE, type Lexicon } from './word-lists.js';

/** A word found at `[start, start + length)`; `substitutions` counts distinct l33t pairs used. */
export type WordFound = (start: number, length: number, rank: number, substitutions: number) => void;

/** Options per ASCII code: the character itself, then the letters it may stand for. */
const L33T_OPTIONS: readonly (readonly number[])[] = Array.from({ length: 128 }, (_, code) => [
  code, ...(L33T_READINGS.get(String.fromCharCode(code)) ?? []).map((letter) => letter.charCodeAt(0)),
]);
const LITERAL_OPTIONS: readonly (readonly number[])[] = Array.from({ length: 128 }, (_, code) => [code]);

/**
 * Calls `found` for every lexicon word in `text` (lower-case ASCII).
 *
 * @param l33t whether substitutes may stand for letters (zxcvbn's reverse matcher does not use l33t).
 */
export function findWords(text: string, lexicon: Lexicon, l33t: boolean, found: WordFound): void {
  const n = text.length;
  const { minLength, maxLength } = lexicon;
  const table = l33t ? L33T_OPTIONS : LITERAL_OPTIONS;
  const codes = Array.from({ length: n }, (_, k) => text.charCodeAt(k) & 0x7f);
  const chosen = new Int32Array(maxLength + 1);
  let start = 0;

  const substitutions = (length: number): number => {
    const seen: number[] = [];
    for (let k = 0; k < length; k += 1) {
      const original = codes[start + k] ?? 0;
      const read = chosen[k] ?? original;
      const pair = original * 128 + read;
      if (read !== original && !seen.includes(pair)) seen.push(pair);
    }
    return seen.length;
  };

  const visit = (depth: number, hash: number): void => {
    if (depth >= minLength) {
      const rank = lexicon.lookup(hash);
      // Prefixes are indexed every PREFIX_STRIDE lengths: only there does a miss prove no word starts so.
      if (rank < 0 && (depth - minLength) % PREFIX_STRIDE === 0) return;
      if (rank > 0) found(start, depth, rank, substitutions(depth));
    }
    if (depth >= maxLength || start + depth >= n) return;
    for (const option of table[codes[start + depth] ?? 0] ?? []) {
      chosen[depth] = option;
      visit(depth + 1, hashStep(hash, option));
    }
  };

  for (start = 0; start + minLength <= n; start += 1) visit(0, HASH_START);
}
