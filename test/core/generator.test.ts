import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALPHABETS, charClass, generateSecret, SYMBOLS } from '../../src/core/generator.js';
import { ENCODINGS } from '../../src/core/categories.js';
import { isCofferError } from '../../src/core/errors.js';

test('every encoding produces the requested length from its alphabet only', () => {
  for (const encoding of ENCODINGS) {
    for (const length of [1, 16, 32, 64, 86, 255]) {
      const value = generateSecret({ length, encoding });
      assert.equal(value.length, length);
      for (const c of value) assert.ok(ALPHABETS[encoding].includes(c), `${c} not in ${encoding}`);
    }
  }
});

test('alphabets have the expected sizes and symbols avoid shell and dotenv metacharacters', () => {
  assert.equal(ALPHABETS.hex.length, 16);
  assert.equal(ALPHABETS.base64.length, 64);
  assert.equal(ALPHABETS.base64url.length, 64);
  assert.equal(ALPHABETS.alphanumeric.length, 62);
  for (const bad of ['"', "'", '`', '\\', '$', ' ']) assert.ok(!SYMBOLS.includes(bad), `symbols include ${bad}`);
  assert.equal(new Set(ALPHABETS['alphanumeric+symbols']).size, ALPHABETS['alphanumeric+symbols'].length);
});

test('required classes are always present', () => {
  for (let i = 0; i < 500; i++) {
    const value = generateSecret({ length: 8, encoding: 'alphanumeric+symbols', requiredClasses: ['lower', 'upper', 'digit', 'symbol'] });
    const classes = new Set([...value].map(charClass));
    assert.equal(classes.size, 4, 'a class is missing');
  }
});

test('impossible requests are config errors, not hangs', () => {
  assert.throws(() => generateSecret({ length: 32, encoding: 'hex', requiredClasses: ['symbol'] }), (e) => isCofferError(e, 'COFFER_E_CONFIG_INVALID'));
  assert.throws(() => generateSecret({ length: 2, encoding: 'alphanumeric+symbols', requiredClasses: ['lower', 'upper', 'digit'] }), (e) => isCofferError(e, 'COFFER_E_CONFIG_INVALID'));
  assert.throws(() => generateSecret({ length: 0, encoding: 'hex' }), (e) => isCofferError(e, 'COFFER_E_CONFIG_INVALID'));
});

test('rejection sampling discards bytes past the largest multiple of the alphabet size', () => {
  // 62 symbols: 256 % 62 = 8, so bytes 248..255 must be rejected rather than folded onto 'A'..'H'.
  const bytes = [248, 249, 255, 0, 61, 62];
  let i = 0;
  const source = (buffer: Uint8Array) => {
    for (let j = 0; j < buffer.length; j++) buffer[j] = bytes[i++ % bytes.length] as number;
  };
  const value = generateSecret({ length: 3, encoding: 'alphanumeric' }, source);
  assert.equal(value, `${ALPHABETS.alphanumeric[0]}${ALPHABETS.alphanumeric[61]}${ALPHABETS.alphanumeric[0]}`);
});

/** Chi-square statistic of character counts against a uniform distribution. */
function chiSquare(text: string, alphabet: string): number {
  const counts = new Map<string, number>([...alphabet].map((c) => [c, 0]));
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  const expected = text.length / alphabet.length;
  let chi = 0;
  for (const n of counts.values()) chi += (n - expected) ** 2 / expected;
  return chi;
}

test('characters are uniformly distributed (chi-square sanity check)', () => {
  for (const encoding of ENCODINGS) {
    const alphabet = ALPHABETS[encoding];
    const sample = Array.from({ length: 200 }, () => generateSecret({ length: 1000, encoding })).join('');
    const df = alphabet.length - 1;
    // Mean df, standard deviation sqrt(2 df): 7 deviations above is astronomically unlikely for a fair source.
    const limit = df + 7 * Math.sqrt(2 * df);
    assert.ok(chiSquare(sample, alphabet) < limit, `${encoding}: chi-square ${chiSquare(sample, alphabet).toFixed(1)} >= ${limit.toFixed(1)}`);
  }
});

test('the chi-square check does catch modulo bias', () => {
  // A biased generator (byte % 62 without rejection) over-weights the first 8 characters by 5/4.
  const alphabet = ALPHABETS.alphanumeric;
  const bytes = new Uint8Array(200_000);
  globalThis.crypto.getRandomValues(bytes.subarray(0, 65536));
  globalThis.crypto.getRandomValues(bytes.subarray(65536, 131072));
  globalThis.crypto.getRandomValues(bytes.subarray(131072, 196608));
  globalThis.crypto.getRandomValues(bytes.subarray(196608));
  const biased = [...bytes].map((b) => alphabet[b % 62]).join('');
  const df = alphabet.length - 1;
  assert.ok(chiSquare(biased, alphabet) > df + 7 * Math.sqrt(2 * df));
});

test('values differ from call to call', () => {
  const seen = new Set(Array.from({ length: 1000 }, () => generateSecret({ length: 32, encoding: 'base64url' })));
  assert.equal(seen.size, 1000);
});
