import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDiversity, distinctDistribution, diversityThreshold, DIVERSITY_SIGNIFICANCE } from '../../../src/core/validation/diversity.js';
import { randomString, TEST_ALPHABETS } from './_random.js';

/** P(D = d) for every d, by enumerating every string of n symbols from k (small n and k only). */
function bruteForce(n: number, k: number): number[] {
  const counts = new Array<number>(Math.min(n, k) + 1).fill(0);
  const total = k ** n;
  for (let i = 0; i < total; i += 1) {
    const seen = new Set<number>();
    let x = i;
    for (let j = 0; j < n; j += 1) { seen.add(x % k); x = Math.floor(x / k); }
    counts[seen.size] = (counts[seen.size] ?? 0) + 1;
  }
  return counts.map((c) => c / total);
}

test('the occupancy distribution matches brute-force enumeration', () => {
  for (const [n, k] of [[6, 4], [7, 3], [5, 6], [4, 10]] as const) {
    const exact = bruteForce(n, k);
    const computed = distinctDistribution(n, k);
    exact.forEach((p, d) => assert.ok(Math.abs(p - (computed[d] ?? 0)) < 1e-12, `n=${n} k=${k} d=${d}`));
  }
});

test('the threshold is the largest count whose tail stays below the significance', () => {
  for (const [n, k] of [[64, 16], [32, 94], [86, 64], [12, 94], [256, 94]] as const) {
    const p = distinctDistribution(n, k);
    const threshold = diversityThreshold(n, k);
    const tail = (d: number) => Array.from(p.slice(0, d + 1)).reduce((a, b) => a + b, 0);
    assert.ok(tail(threshold) <= DIVERSITY_SIGNIFICANCE);
    assert.ok(tail(threshold + 1) > DIVERSITY_SIGNIFICANCE);
  }
  assert.equal(diversityThreshold(4, 94), 0, 'very short values never fail on diversity');
});

test('repetitive values fail the diversity guard', () => {
  const cases = ['a'.repeat(64), 'ab'.repeat(32), 'Aa1!'.repeat(16), '0123'.repeat(16), 'deadbeef'.repeat(8)];
  const sizes = [16, 26, 94, 10, 16];
  cases.forEach((value, i) => assert.equal(checkDiversity([...value], sizes[i] ?? 0).ok, false, value));
});

test('random strings of every alphabet and length pass the diversity guard', () => {
  for (const [encoding, alphabet] of Object.entries(TEST_ALPHABETS)) {
    const k = encoding === 'alphanumeric+symbols' ? 94 : alphabet.length; // judged as printable ASCII
    for (const length of [8, 12, 16, 20, 24, 32, 43, 48, 64, 86, 200, 300]) {
      for (let sample = 0; sample < 200; sample += 1) {
        const verdict = checkDiversity([...randomString(alphabet, length)], k);
        assert.ok(verdict.ok, `${encoding} ${length}: ${verdict.distinct} distinct`);
      }
    }
  }
});
