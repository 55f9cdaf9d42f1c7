import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOne, pick, secret, validate } from './_helpers.js';
import { randomValue } from './_random.js';

const GUESSABLE: [string, RegExp][] = [
  ['password', /dictionary words/],
  ['P@ssw0rd123!', /l33t-spelt words/],
  ['qwertyuiopasdfghjkl;zxcvbnm', /keyboard patterns|dictionary words/],
  ['correcthorsebatterystaple', /dictionary words/],
  ['MyCompanySecret2024!', /dictionary words/],
  ['thisismysupersecretkeyforproduction', /dictionary words/],
  ['abcdefghijklmnopqrstuvwxyz0123456789', /sequences/],
  ['admin123admin123admin123admin123', /repeats/],
  ['Dr4g0nM0nk3y!', /l33t-spelt words|word sequences/],
  ['1234567890'.repeat(7), /sequences|repeats/],
  ['onetwothreefourfivesixseven', /word sequences|dictionary words/],
  ['drowssapdrowssap', /reversed words|repeats/],
  ['14/02/1987-25/12/2019', /dates/],
];

test('values explained by patterns fail in production, naming the kinds of pattern', () => {
  for (const [value, kinds] of GUESSABLE) {
    const r = checkOne('guessability', value, 'generic', 'production');
    assert.equal(r.status, 'fail', value);
    assert.match(r.message, kinds, value);
    assert.match(r.message, /^TEST_VALUE is guessable: .* make up \d+% of it and remove \d+% of its randomness\. Replace it with a generated random value/);
  }
});

test('guessable values only warn in development', () => {
  for (const [value] of GUESSABLE) assert.equal(checkOne('guessability', value, 'generic', 'development').status, 'warn', value);
});

test('the secret name and environment are context words', () => {
  const report = validate([secret('BILLING_WEBHOOK_SECRET', 'billingwebhookproductionXq', 'webhook')]);
  const r = pick(report, 'BILLING_WEBHOOK_SECRET', 'guessability');
  assert.equal(r.status, 'fail');
  assert.match(r.message, /its own name or environment/);
});

test('random values and values with only a small pattern pass', () => {
  for (const value of [
    randomValue('base64url', 86), randomValue('hex', 64), randomValue('alphanumeric', 32),
    `password${randomValue('base64url', 40)}`, `${randomValue('alphanumeric', 20)}2024${randomValue('alphanumeric', 20)}`,
  ]) {
    const r = checkOne('guessability', value);
    assert.equal(r.status, 'pass', `${value}: ${r.message}`);
  }
});

test('only the first 256 characters are analysed', () => {
  assert.equal(checkOne('guessability', randomValue('base64url', 256) + 'password'.repeat(40)).status, 'pass', 'a pattern after the window is not seen');
  assert.equal(checkOne('guessability', 'password'.repeat(40) + randomValue('base64url', 100)).status, 'fail', 'the window is judged on its own');
});

test('values outside ASCII are analysed by zxcvbn directly', () => {
  assert.equal(checkOne('guessability', 'pässwörd✓'.repeat(4)).status, 'fail');
  assert.equal(checkOne('guessability', `${randomValue('alphanumeric', 30)}✓ä`).status, 'pass');
});
