/**
 * zxcvbn's capitalisation factor, reproduced for the fast screen: how many ways of capitalising a
 * word an attacker must try to reach the token's capitalisation. All lower case costs nothing,
 * the common schemes (first letter, last letter, all capitals) double the guesses, anything else
 * multiplies them by the number of ways to place the minority case.
 */

/** n choose k, exact for the small numbers used here. */
export function choose(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i += 1) result = (result * (n - k + i)) / i;
  return result;
}

/** The capitalisation factor of an ASCII token, as zxcvbn-ts computes it. */
export function uppercaseVariations(token: string): number {
  const letters = token.replace(/[^A-Za-z]/g, '');
  if (!/[A-Z]/.test(letters)) return 1;
  if (/^[A-Z][^A-Z]+$/.test(letters) || /^[^A-Z]+[A-Z]$/.test(letters) || !/[a-z]/.test(letters)) return 2;
  const upper = letters.replace(/[^A-Z]/g, '').length;
  const lower = letters.length - upper;
  let variations = 0;
  for (let i = 1; i <= Math.min(upper, lower); i += 1) variations += choose(upper + lower, i);
  return variations;
}
