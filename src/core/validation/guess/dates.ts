/**
 * Dates and recent years for the fast screen. Digit-only dates (4 to 8 digits) are parsed exactly
 * as zxcvbn-ts parses them (its splits into day, month and year, its validity rules and its
 * preference for the year nearest the present), so a digit run that is no date is not reported.
 * zxcvbn estimates a date at max(|year - now|, 21) x 365 guesses (x 4 with separators) and a
 * recent year at max(|year - now|, 21); the screen uses 2025 as the earliest possible "now", which
 * keeps its estimates lower bounds on any later clock. Dates with separators keep the plain lower
 * bound (21 x 365 x 4).
 */

const EARLIEST_REFERENCE_YEAR = 2025;
const MIN_YEAR_SPACE = 21;
const DATE_MIN_YEAR = 1000;
const DATE_MAX_YEAR = 2050;
/** zxcvbn's ways to split 4..8 digits into three numbers: [end of first, end of second]. */
const SPLITS: Readonly<Record<number, readonly (readonly [number, number])[]>> = {
  4: [[1, 2], [2, 3]],
  5: [[1, 3], [2, 3], [2, 4]],
  6: [[1, 2], [2, 4], [4, 5]],
  7: [[1, 3], [2, 3], [4, 5], [4, 6]],
  8: [[2, 4], [4, 6]],
};
const DATE_WITH_SEPARATOR = /^\d{1,4}([\s/\\_.-])\d{1,2}\1\d{1,4}$/;
const RECENT_YEAR = /^(?:19\d\d|20[0-2]\d)$/;

/** Lower bound of zxcvbn's year space for a year. */
function yearSpace(year: number): number {
  return Math.max(EARLIEST_REFERENCE_YEAR - year, MIN_YEAR_SPACE);
}

function dayMonth(a: number, b: number): boolean {
  return (a >= 1 && a <= 31 && b >= 1 && b <= 12) || (b >= 1 && b <= 31 && a >= 1 && a <= 12);
}

/** The year zxcvbn reads in three numbers, or undefined when they are no date. */
function yearOf(numbers: readonly [number, number, number]): number | undefined {
  const [first, middle, last] = numbers;
  if (middle > 31 || middle <= 0) return undefined;
  let over12 = 0;
  let over31 = 0;
  let under1 = 0;
  for (const value of numbers) {
    if ((value > 99 && value < DATE_MIN_YEAR) || value > DATE_MAX_YEAR) return undefined;
    if (value > 31) over31 += 1;
    if (value > 12) over12 += 1;
    if (value <= 0) under1 += 1;
  }
  if (over31 >= 2 || over12 === 3 || under1 >= 2) return undefined;
  for (const [year, a, b] of [[last, first, middle], [first, middle, last]] as const) {
    if (year >= DATE_MIN_YEAR && year <= DATE_MAX_YEAR) return dayMonth(a, b) ? year : undefined;
  }
  for (const [year, a, b] of [[last, first, middle], [first, middle, last]] as const) {
    if (dayMonth(a, b)) return year > 99 ? year : year > 50 ? year + 1900 : year + 2000;
  }
  return undefined;
}

/** The smallest year space of the dates zxcvbn reads in a 4..8-digit token, or undefined. */
function digitDateSpace(token: string): number | undefined {
  let best: number | undefined;
  for (const [k, l] of SPLITS[token.length] ?? []) {
    const year = yearOf([Number(token.slice(0, k)), Number(token.slice(k, l)), Number(token.slice(l))]);
    if (year !== undefined) best = Math.min(best ?? Number.POSITIVE_INFINITY, yearSpace(year));
  }
  return best;
}

/** Calls `found(i, j, log2Guesses)` for every date and recent year zxcvbn could find in `value`. */
export function findDates(value: string, found: (i: number, j: number, log2Guesses: number) => void): void {
  const n = value.length;
  const isDigit = (k: number): boolean => { const c = value.charCodeAt(k); return c >= 48 && c <= 57; };
  for (let i = 0; i < n; i += 1) {
    if (!isDigit(i)) continue;
    let digits = 0;
    while (i + digits < n && isDigit(i + digits) && digits < 8) digits += 1;
    for (let length = 4; length <= digits; length += 1) {
      const space = digitDateSpace(value.slice(i, i + length));
      if (space !== undefined) found(i, i + length - 1, Math.log2(space * 365));
    }
    if (digits >= 4 && RECENT_YEAR.test(value.slice(i, i + 4))) found(i, i + 3, Math.log2(yearSpace(Number(value.slice(i, i + 4)))));
    for (let length = 6; length <= 10 && i + length <= n; length += 1) {
      if (DATE_WITH_SEPARATOR.test(value.slice(i, i + length))) found(i, i + length - 1, Math.log2(MIN_YEAR_SPACE * 365 * 4));
    }
  }
}
