/**
 * Repeats and sequences for the fast screen. Sequences (`abcd`, `9753`, constant step of at most
 * 5) are found exactly as zxcvbn-ts finds them and estimated at its smallest figure (4 guesses per
 * character). Repeats (a block followed by copies of itself: `aaaa`, `abcabc`) are found for every
 * block length, a superset of what zxcvbn's repeat regexes report, and estimated at 2 guesses, below
 * any real repeat (zxcvbn multiplies the guesses of the block by the number of copies).
 */

type Found = (i: number, j: number, log2Guesses: number) => void;

/** Calls `found` for every stretch of `value` made of a block and at least one copy of it. */
export function findRepeats(value: string, found: Found): void {
  const n = value.length;
  for (let period = 1; period * 2 <= n; period += 1) {
    let run = 0;
    for (let k = 0; k + period <= n; k += 1) {
      if (k + period < n && value.charCodeAt(k) === value.charCodeAt(k + period)) { run += 1; continue; }
      if (run >= period) found(k - run, k - 1 + period, 1);
      run = 0;
    }
  }
}

/** Calls `found` for every sequence zxcvbn reports in `value`. */
export function findSequences(value: string, found: Found): void {
  const n = value.length;
  if (n < 2) return;
  const emit = (from: number, to: number, delta: number): void => {
    const step = Math.abs(delta);
    if ((to - from > 1 || step === 1) && step > 0 && step <= 5) found(from, to, Math.log2(4 * (to - from + 1)));
  };
  let i = 0;
  let last: number | undefined;
  for (let k = 1; k < n; k += 1) {
    const delta = value.charCodeAt(k) - value.charCodeAt(k - 1);
    last ??= delta;
    if (delta !== last) {
      emit(i, k - 1, last);
      i = k - 1;
      last = delta;
    }
  }
  emit(i, n - 1, last ?? 0);
}
