/**
 * Generates secret values with the platform CSPRNG (Web Crypto `getRandomValues`).
 *
 * Characters are drawn by rejection sampling: a random byte is accepted only when it falls below
 * the largest multiple of the alphabet size that fits in a byte, so every character of the
 * alphabet is exactly equally likely (no modulo bias). When a policy requires character classes,
 * whole values that miss one are drawn again, which keeps the result uniform over the values
 * that satisfy the policy.
 */
import { CofferError } from './errors.js';
import type { CharClass, Encoding } from './categories.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
/**
 * Symbols used by `alphanumeric+symbols`. It leaves out quotes, backslash, backtick, `$` and
 * space, which shells, YAML and docker compose interpolation treat specially, so a generated
 * value can be pasted anywhere without escaping.
 */
export const SYMBOLS = '!#%&()*+,-./:;<=>?@[]^_{|}~';

/** The alphabet of each encoding. */
export const ALPHABETS: Readonly<Record<Encoding, string>> = {
  base64: UPPER + LOWER + DIGITS + '+/',
  base64url: UPPER + LOWER + DIGITS + '-_',
  hex: DIGITS + 'abcdef',
  alphanumeric: UPPER + LOWER + DIGITS,
  'alphanumeric+symbols': UPPER + LOWER + DIGITS + SYMBOLS,
};

/** What to generate. */
export interface GenerateOptions {
  /** Length in characters; at least 1 and at most 4096. */
  readonly length: number;
  readonly encoding: Encoding;
  /** Classes the value must contain; each must be possible in the encoding. */
  readonly requiredClasses?: readonly CharClass[];
}

/** A source of random bytes; the default is `crypto.getRandomValues`. */
export type RandomSource = (bytes: Uint8Array) => void;

const defaultRandom: RandomSource = (bytes) => {
  globalThis.crypto.getRandomValues(bytes);
};

/**
 * Returns a uniformly random value of the given length and encoding.
 *
 * @example
 * generateSecret({ length: 64, encoding: 'hex' }); // a 256-bit key as hex
 */
export function generateSecret(options: GenerateOptions, random: RandomSource = defaultRandom): string {
  const { length, encoding } = options;
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw new CofferError('COFFER_E_CONFIG_INVALID', `A generated length must be a whole number from 1 to 4096, got ${String(length)}.`);
  }
  const alphabet = ALPHABETS[encoding];
  const classes = options.requiredClasses ?? [];
  for (const cls of classes) {
    if (![...alphabet].some((c) => charClass(c) === cls)) {
      throw new CofferError('COFFER_E_CONFIG_INVALID', `The ${encoding} encoding has no ${cls} characters; choose alphanumeric+symbols or drop the requirement.`);
    }
  }
  if (classes.length > length) {
    throw new CofferError('COFFER_E_CONFIG_INVALID', `A value of ${length} characters cannot hold ${classes.length} required character classes; increase the length.`);
  }
  for (;;) {
    const value = drawChars(alphabet, length, random);
    if (classes.every((cls) => [...value].some((c) => charClass(c) === cls))) return value;
  }
}

/** The class of one character: lower, upper, digit or symbol (anything else). */
export function charClass(char: string): CharClass {
  if (char >= 'a' && char <= 'z') return 'lower';
  if (char >= 'A' && char <= 'Z') return 'upper';
  if (char >= '0' && char <= '9') return 'digit';
  return 'symbol';
}

function drawChars(alphabet: string, length: number, random: RandomSource): string {
  const size = alphabet.length;
  // Largest multiple of `size` not above 256: bytes at or past it are rejected.
  const limit = 256 - (256 % size);
  const out: string[] = [];
  const buffer = new Uint8Array(Math.max(16, Math.ceil(length * 1.25)));
  while (out.length < length) {
    random(buffer);
    for (const byte of buffer) {
      if (byte < limit) out.push(alphabet[byte % size] as string);
      if (out.length === length) break;
    }
  }
  return out.join('');
}
