// Test helpers: uniformly random strings from the generation alphabets, drawn with
// globalThis.crypto.getRandomValues and rejection sampling (no modulo bias), independent of
// src/core/generator.ts so that the validation tests do not trust the code they judge against.
import type { CharClass, Encoding } from '../../../src/core/categories.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;

/** The alphabet of each encoding. */
export const TEST_ALPHABETS: Readonly<Record<Encoding, string>> = {
  base64: `${ALNUM}+/`,
  base64url: `${ALNUM}-_`,
  hex: '0123456789abcdef',
  alphanumeric: ALNUM,
  'alphanumeric+symbols': `${ALNUM}!#%&()*+,-./:;<=>?@[]^_{|}~`,
};

/** A uniformly random string of `length` characters of `alphabet`. */
export function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  const out: string[] = [];
  const bytes = new Uint8Array(length * 2);
  while (out.length < length) {
    globalThis.crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte < limit && out.length < length) out.push(alphabet.charAt(byte % alphabet.length));
    }
  }
  return out.join('');
}

const classOf = (c: string): CharClass => (/[a-z]/.test(c) ? 'lower' : /[A-Z]/.test(c) ? 'upper' : /[0-9]/.test(c) ? 'digit' : 'symbol');

/**
 * A random value as a policy-respecting generator produces it: uniform over the values of the
 * encoding and length that contain every required class (values missing one are drawn again).
 */
export function randomValue(encoding: Encoding, length: number, requiredClasses: readonly CharClass[] = []): string {
  for (;;) {
    const value = randomString(TEST_ALPHABETS[encoding], length);
    const classes = new Set([...value].map(classOf));
    if (requiredClasses.every((c) => classes.has(c))) return value;
  }
}
