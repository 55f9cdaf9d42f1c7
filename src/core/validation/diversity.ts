/**
 * The low-diversity guard of the strength check: a value that uses far fewer distinct characters
 * than a random string of the same length and alphabet would (`aaaa...`, `abababab...`,
 * `Aa1!Aa1!...`) is not random, whatever its length times log2(alphabet) says.
 *
 * The threshold is exact rather than a rule of thumb. For a string of n characters drawn uniformly
 * and independently from an alphabet of k symbols, the number of distinct characters D follows the
 * classical occupancy distribution, which a short dynamic programme computes exactly:
 * P(D = j after i+1 draws) = P(j after i) * j/k + P(j-1 after i) * (k-j+1)/k. A value fails when its
 * distinct count d satisfies P(D <= d) <= 2^-40, so a truly random value fails with probability
 * below one in a trillion per check: random strings never fail in practice, while repetitive
 * values, whose probability is astronomically smaller, always do. When a generator's real alphabet
 * is a little smaller than the one detected (89 generator symbols judged as 94 printable ASCII),
 * the tail grows by a few orders of magnitude at most and stays negligible. Only the first 256 code
 * points are examined, which bounds the cost (n * min(n, k) steps, memoised per (n, k)).
 */

/** Probability below which a distinct count is judged too low to come from a random string. */
export const DIVERSITY_SIGNIFICANCE = 2 ** -40;
/** Code points examined by the diversity guard. */
export const DIVERSITY_WINDOW = 256;

const thresholds = new Map<string, number>();

/**
 * The exact distribution of the number of distinct symbols in `n` uniform draws from `k`:
 * element j is P(D = j).
 */
export function distinctDistribution(n: number, k: number): Float64Array {
  const maxDistinct = Math.min(n, k);
  let p = new Float64Array(maxDistinct + 1);
  p[0] = 1;
  for (let i = 0; i < n; i += 1) {
    const next = new Float64Array(maxDistinct + 1);
    for (let j = 0; j <= Math.min(i, maxDistinct); j += 1) {
      const pj = p[j] ?? 0;
      if (pj === 0) continue;
      next[j] = (next[j] ?? 0) + (pj * j) / k;
      if (j < maxDistinct) next[j + 1] = (next[j + 1] ?? 0) + (pj * (k - j)) / k;
    }
    p = next;
  }
  return p;
}

/**
 * The largest distinct count that fails for `n` characters from an alphabet of `k` symbols:
 * the largest d with P(D <= d) <= {@link DIVERSITY_SIGNIFICANCE}; 0 when no count is that unlikely.
 */
export function diversityThreshold(n: number, k: number): number {
  const key = `${n}:${k}`;
  const cached = thresholds.get(key);
  if (cached !== undefined) return cached;
  const p = distinctDistribution(n, k);
  let cumulative = 0;
  let threshold = 0;
  for (let d = 1; d < p.length; d += 1) {
    cumulative += p[d] ?? 0;
    if (cumulative > DIVERSITY_SIGNIFICANCE) break;
    threshold = d;
  }
  thresholds.set(key, threshold);
  return threshold;
}

/** Expected number of distinct symbols in `n` uniform draws from `k`: k(1 - (1 - 1/k)^n). */
export function expectedDistinct(n: number, k: number): number {
  return k * (1 - (1 - 1 / k) ** n);
}

/** The diversity verdict for a value's code points judged against an alphabet of `k` symbols. */
export interface DiversityVerdict {
  readonly ok: boolean;
  /** Code points examined (at most {@link DIVERSITY_WINDOW}). */
  readonly examined: number;
  readonly distinct: number;
  /** What a random string of the same length and alphabet would show on average, rounded. */
  readonly expected: number;
}

/** Checks whether a value's distinct-character count is plausible for a random string. */
export function checkDiversity(codePoints: readonly string[], k: number): DiversityVerdict {
  const examined = Math.min(codePoints.length, DIVERSITY_WINDOW);
  const distinct = new Set(codePoints.slice(0, examined)).size;
  const threshold = diversityThreshold(examined, k);
  return { ok: distinct > threshold, examined, distinct, expected: Math.round(expectedDistinct(examined, k)) };
}
