/**
 * Judges a value by the alphabet it actually uses. A secret's randomness is not its Shannon
 * entropy per character (a 64-character hex key never exceeds 4 bits per character yet holds 256
 * bits) but its length times log2 of the size of the alphabet it was drawn from. Since the engine
 * only sees the value, it assumes the smallest standard alphabet the value fits: digits, hex (one
 * case), one-case letters, base32, alphanumeric, base64 or base64url, printable ASCII, and for
 * anything else printable ASCII plus every other distinct code point in the value (generous on
 * purpose: unusual values are judged by the guessability check, not penalised here).
 */

/** Names of the alphabets a value can be judged by. */
export type AlphabetName =
  | 'digits' | 'hex' | 'one-case letters' | 'base32' | 'alphanumeric'
  | 'base64' | 'base64url' | 'printable ASCII' | 'Unicode';

/** What {@link analyseValue} finds out about a value. */
export interface ValueAnalysis {
  /** The value split into code points (not UTF-16 units). */
  readonly codePoints: readonly string[];
  /** Code points that carry randomness: base32/base64 `=` padding is not counted. */
  readonly effectiveLength: number;
  readonly alphabet: AlphabetName;
  /** Number of symbols in the alphabet. */
  readonly alphabetSize: number;
  /** `effectiveLength * log2(alphabetSize)`. */
  readonly bits: number;
  /** True when every code point is printable ASCII (0x20-0x7e). */
  readonly ascii: boolean;
}

interface Candidate { readonly name: AlphabetName; readonly size: number; readonly pattern: RegExp; readonly padded?: true }

/** Tried smallest first; the first that matches the whole value wins. */
const CANDIDATES: readonly Candidate[] = [
  { name: 'digits', size: 10, pattern: /^[0-9]+$/ },
  { name: 'hex', size: 16, pattern: /^(?:[0-9a-f]+|[0-9A-F]+)$/ },
  { name: 'one-case letters', size: 26, pattern: /^(?:[a-z]+|[A-Z]+)$/ },
  { name: 'base32', size: 32, pattern: /^(?:[A-Z2-7]+|[a-z2-7]+)=*$/, padded: true },
  { name: 'alphanumeric', size: 62, pattern: /^[A-Za-z0-9]+$/ },
  { name: 'base64', size: 64, pattern: /^[A-Za-z0-9+/]+=*$/, padded: true },
  { name: 'base64url', size: 64, pattern: /^[A-Za-z0-9_-]+=*$/, padded: true },
  { name: 'printable ASCII', size: 94, pattern: /^[\x21-\x7e]+$/ },
];

/** Printable ASCII including the space: the base of the generous Unicode alphabet. */
const PRINTABLE_WITH_SPACE = 95;

/**
 * Analyses a non-empty value: its alphabet, length and bits of randomness.
 *
 * @example
 * analyseValue('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08').bits; // 256
 */
export function analyseValue(value: string): ValueAnalysis {
  const codePoints = Array.from(value);
  let ascii = true;
  for (const cp of codePoints) {
    const code = cp.codePointAt(0) ?? 0;
    if (code < 0x20 || code > 0x7e) { ascii = false; break; }
  }
  for (const candidate of CANDIDATES) {
    if (!candidate.pattern.test(value)) continue;
    const padding = candidate.padded === true ? value.length - value.replace(/=+$/, '').length : 0;
    const effectiveLength = codePoints.length - padding;
    return { codePoints, effectiveLength, alphabet: candidate.name, alphabetSize: candidate.size, bits: effectiveLength * Math.log2(candidate.size), ascii };
  }
  const others = new Set<string>();
  for (const cp of codePoints) {
    const code = cp.codePointAt(0) ?? 0;
    if (code < 0x20 || code > 0x7e) others.add(cp);
  }
  const alphabetSize = PRINTABLE_WITH_SPACE + others.size;
  return { codePoints, effectiveLength: codePoints.length, alphabet: ascii ? 'printable ASCII' : 'Unicode', alphabetSize, bits: codePoints.length * Math.log2(alphabetSize), ascii };
}
