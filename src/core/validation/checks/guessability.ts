/**
 * Check `guessability`: no guessable patterns (dictionary, l33t or reversed words, the secret's own
 * name or environment, keyboard walks, sequences, repeats, dates) explain a substantial part of
 * the value: by the rule in guess/rule.ts, a value is guessable when such patterns cover at least
 * half of its characters and remove at least half of its randomness. A fast screen (guess/screen.ts) clears almost every
 * random value; zxcvbn-ts decides the rest. Only the first {@link GUESS_WINDOW} characters are
 * analysed: zxcvbn's cost grows faster than linearly with length (it caps its own input at the
 * same figure), and a value that long is judged on its start, which is where a human-made prefix
 * would be. Guessable values fail in production and warn in development.
 */
import type { CheckResult } from '../types.js';
import { analysePatterns, type PatternKind } from '../guess/analyse.js';
import { isGuessable } from '../guess/rule.js';
import { screenPatterns } from '../guess/screen.js';
import { buildLexicon } from '../guess/word-lists.js';
import { capitalise, listWords, replaceHint, result, type SecretContext } from './_context.js';

/** Characters (UTF-16 code units, as zxcvbn counts them) analysed per value. */
export const GUESS_WINDOW = 256;

/** Lower-case words a value should not be built from in this context: the name, its parts, the environment. */
export function contextWords(name: string, environment: string): string[] {
  const words = [name, ...name.split(/[^A-Za-z0-9]+/), environment].map((w) => w.toLowerCase()).filter((w) => w.length >= 3);
  return [...new Set(words)];
}

const PLURALS: Readonly<Record<PatternKind, string>> = {
  'dictionary word': 'dictionary words', 'reversed word': 'reversed words', 'l33t word': 'l33t-spelt words',
  'context word': 'its own name or environment', 'word sequence': 'word sequences', 'keyboard pattern': 'keyboard patterns',
  repeat: 'repeats', sequence: 'sequences', date: 'dates', year: 'years',
};

/** Runs the check. */
export function checkGuessability(ctx: SecretContext): CheckResult {
  const { secret, analysis, profile, environment, hint } = ctx;
  const text = ctx.value.slice(0, GUESS_WINDOW);
  const bitsPerChar = Math.log2(analysis.alphabetSize);
  const words = contextWords(secret.name, environment);
  const pass = result(secret.name, 'guessability', 'pass', `${secret.name} shows no guessable pattern (words, keyboard walks, sequences, repeats, dates).`);
  if (analysis.ascii) {
    const bounds = screenPatterns(text, bitsPerChar, buildLexicon([words], 4));
    if (!isGuessable(bounds.explained, bounds.saved, text.length, bitsPerChar)) return pass;
  }
  const found = analysePatterns(text, bitsPerChar, words);
  if (!isGuessable(found.explained, found.saved, found.length, bitsPerChar)) return pass;
  const share = Math.round((found.explained / found.length) * 100);
  const savedShare = Math.round((found.saved / (found.length * bitsPerChar)) * 100);
  const status = profile === 'production' ? 'fail' : 'warn';
  const kinds = listWords(found.kinds.map((k) => PLURALS[k]));
  return result(secret.name, 'guessability', status, `${secret.name} is guessable: ${kinds} make up ${share}% of it and remove ${savedShare}% of its randomness. ${capitalise(replaceHint(secret.name, hint, 'a generated random value'))}.`);
}
