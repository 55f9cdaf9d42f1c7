/**
 * The guessability rule, shared by the fast screen and the zxcvbn analysis so that both judge by
 * the same standard.
 *
 * zxcvbn splits a value into the sequence of matches that makes it cheapest to guess: dictionary
 * words (also reversed or in l33t), keyboard walks, sequences, repeats, dates, recent years, and
 * brute-force stretches in between. A pattern match *explains* its characters when it is at least
 * {@link MIN_EXPLAINED_TOKEN} characters long and guessing it takes at most half the bits that
 * the same number of random characters from the value's alphabet would; what it *saves* is the
 * difference, length * log2(alphabet) - log2(guesses). A value is guessable when its explaining
 * matches both cover at least half of its characters and save at least half of its brute-force
 * bits. Either condition alone misfires: in random strings of 12 to 16 characters a chance
 * five- or six-letter word covers half the value about once in 2,000 to 8,000 draws, but removes
 * only a quarter to a third of its bits, while values made of words, walks, years and repeats
 * remove well over half. Measured over 200,000 random strings per encoding and length, no random
 * value of 16 characters or more is guessable under this rule; at 12 characters about 5 in a
 * million are (chance words such as "xr4y" + "canopy"), which is why 12 is only a development
 * minimum, where guessability warns.
 */

/** Shortest pattern match that can explain characters. */
export const MIN_EXPLAINED_TOKEN = 4;
/** Share of the characters that explaining matches must cover. */
export const GUESSABLE_COVERAGE = 0.5;
/** Share of the brute-force bits that explaining matches must save. */
export const GUESSABLE_SAVINGS = 0.5;

/** Whether a match of `length` characters needing `log2Guesses` bits explains its characters. */
export function explains(length: number, log2Guesses: number, bitsPerChar: number): boolean {
  return length >= MIN_EXPLAINED_TOKEN && log2Guesses <= (length * bitsPerChar) / 2;
}

/** Bits a match saves over random characters (positive for explaining matches). */
export function savedBits(length: number, log2Guesses: number, bitsPerChar: number): number {
  return length * bitsPerChar - log2Guesses;
}

/** Whether explaining matches covering `explained` characters and saving `saved` bits make a value guessable. */
export function isGuessable(explained: number, saved: number, length: number, bitsPerChar: number): boolean {
  return length > 0 && explained >= length * GUESSABLE_COVERAGE && saved >= length * bitsPerChar * GUESSABLE_SAVINGS;
}
