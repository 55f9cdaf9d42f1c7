import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyseValue } from '../../../src/core/validation/alphabet.js';
import { analysePatterns } from '../../../src/core/validation/guess/analyse.js';
import { isGuessable } from '../../../src/core/validation/guess/rule.js';
import { screenPatterns } from '../../../src/core/validation/guess/screen.js';
import { buildLexicon } from '../../../src/core/validation/guess/word-lists.js';
import { ENCODINGS } from '../../../src/core/categories.js';
import { randomString, TEST_ALPHABETS } from './_random.js';

const WORDS = ['password', 'dragon', 'monkey', 'secret', 'sunshine', 'football', 'welcome', 'admin', 'house', 'love', 'summer', 'london', 'michael', 'one', 'two', 'three', 'north', 'east', 'jwt', 'production'];
const L33T: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '$', t: '7', l: '1', g: '9' };

/** Pieces a human-made value is built from, each a pattern zxcvbn knows (or random filler). */
const piece = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.constantFrom(...WORDS).map((w) => w.charAt(0).toUpperCase() + w.slice(1)),
  fc.constantFrom(...WORDS).map((w) => [...w].reverse().join('')),
  fc.tuple(fc.constantFrom(...WORDS), fc.integer({ min: 1, max: 5 })).map(([w, n]) => [...w].map((c, i) => (i % n === 0 ? L33T[c] ?? c : c)).join('')),
  fc.constantFrom('qwerty', 'asdfgh', 'zxcvbn', '1qaz2wsx', '!@#$%^', '7410', '147896'),
  fc.constantFrom('abcdef', '123456', '9876', 'xyz', 'ZYXW', 'acegik'),
  fc.tuple(fc.integer({ min: 1950, max: 2030 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `${d}${String(m).padStart(2, '0')}${y}`),
  fc.tuple(fc.integer({ min: 1950, max: 2030 }), fc.constantFrom('-', '/', '.')).map(([y, s]) => `12${s}05${s}${y}`),
  fc.tuple(fc.constantFrom('ab', 'x', 'abc1', 'Zz'), fc.integer({ min: 2, max: 5 })).map(([b, n]) => b.repeat(n)),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
);

test('the screen never reports less than zxcvbn finds: neither fewer explained characters nor fewer saved bits', () => {
  const context = ['api_key', 'api', 'key', 'production'];
  const lexicon = buildLexicon([context], 4);
  fc.assert(fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
    const value = pieces.join('').slice(0, 256);
    const bits = Math.log2(analyseValue(value).alphabetSize);
    const screened = screenPatterns(value, bits, lexicon);
    const real = analysePatterns(value, bits, context);
    assert.ok(screened.explained >= real.explained, `${JSON.stringify(value)}: screen covers ${screened.explained} < zxcvbn ${real.explained}`);
    assert.ok(screened.saved >= real.saved - 1e-9, `${JSON.stringify(value)}: screen saves ${screened.saved} < zxcvbn ${real.saved}`);
  }), { numRuns: Number(process.env.COFFER_SCREEN_RUNS ?? 300) });
});

test('the screen clears random values of every encoding from 32 characters on without zxcvbn', () => {
  for (const encoding of ENCODINGS) {
    for (const length of [32, 43, 48, 64, 86, 256]) {
      for (let sample = 0; sample < 300; sample += 1) {
        const value = randomString(TEST_ALPHABETS[encoding], length);
        const bits = Math.log2(analyseValue(value).alphabetSize);
        const bounds = screenPatterns(value, bits);
        assert.equal(isGuessable(bounds.explained, bounds.saved, length, bits), false, `${encoding} ${length}: ${value}`);
      }
    }
  }
});
