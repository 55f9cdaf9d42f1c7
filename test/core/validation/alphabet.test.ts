import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseValue } from '../../../src/core/validation/alphabet.js';

test('the smallest standard alphabet a value fits is detected', () => {
  const cases: [string, string, number][] = [
    ['12345678', 'digits', 10],
    ['9f86d081884c7d65', 'hex', 16],
    ['9F86D081884C7D65', 'hex', 16],
    ['9f86D081884c7d65', 'alphanumeric', 62],
    ['abcdefghij', 'one-case letters', 26],
    ['ABCDEFGHIJ', 'one-case letters', 26],
    ['JBSWY3DPEHPK3PXP', 'base32', 32],
    ['JBSWY3DPEHPK3PX=', 'base32', 32],
    ['aB3dE6gH9', 'alphanumeric', 62],
    ['aB3+dE/6gH9=', 'base64', 64],
    ['aB3-dE_6gH9', 'base64url', 64],
    ['aB3+dE_6gH9', 'printable ASCII', 94],
    ['a!b#c%d&', 'printable ASCII', 94],
    ['correct horse', 'printable ASCII', 95],
  ];
  for (const [value, alphabet, size] of cases) {
    const analysis = analyseValue(value);
    assert.equal(analysis.alphabet, alphabet, value);
    assert.equal(analysis.alphabetSize, size, value);
  }
});

test('bits are length times log2 of the alphabet, not Shannon entropy per character', () => {
  const hexKey = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
  assert.equal(analyseValue(hexKey).bits, 256);
  assert.equal(analyseValue('A'.repeat(40) + '==').effectiveLength, 40, 'padding carries no randomness');
  assert.equal(analyseValue('QU2D').bits, 4 * 5, 'four base32 symbols');
});

test('Unicode values count code points and are judged generously', () => {
  const analysis = analyseValue('pässwörd✓✓');
  assert.equal(analysis.codePoints.length, 10);
  assert.equal(analysis.alphabet, 'Unicode');
  assert.equal(analysis.alphabetSize, 95 + 3, 'printable ASCII and space, plus ä, ö and ✓');
  assert.equal(analysis.ascii, false);
  assert.equal(analyseValue('😀😀').codePoints.length, 2);
});
