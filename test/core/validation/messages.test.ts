// No message ever contains the value or a part of it, whatever the value and whatever the checks
// conclude. Every check is forced to speak: the value is shared with a second name and with
// another environment, its rotation is overdue and the file is world-readable. Hints run both ways:
// naming a command (with an environment to name) and naming the file label only (without).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CategoryId, Profile } from '../../../src/core/categories.js';
import { CATEGORY_IDS } from '../../../src/core/categories.js';
import { validateSecrets, type CheckResult } from '../../../src/core/validation/index.js';
import { NOW } from './_helpers.js';

function messagesFor(value: string, category: CategoryId, profile: Profile, hinted = true): CheckResult[] {
  const report = validateSecrets({
    environment: hinted ? 'qa' : '.env.qa', profile, now: NOW,
    ...(hinted ? { hintEnvironment: 'qa' } : {}),
    secrets: [
      { name: 'TEST_VALUE', value, category, required: true, rotationDays: 90, metadata: { rotateBy: '2025-01-01T00:00:00Z' }, history: { reusesPrevious: true, depth: 4 } },
      { name: 'TWIN_VALUE', value, category, required: true, rotationDays: 90, metadata: { updatedAt: '2025-05-20T00:00:00Z' } },
      { name: 'GONE_VALUE', value: undefined, category, required: true, rotationDays: 90 },
    ],
    file: { path: '/srv/app/.env', mode: 0o644 },
    otherEnvironments: [{ environment: 'uat', values: new Map([['OTHER_NAME', value]]) }],
  });
  const checks = new Set(report.results.map((r) => r.check));
  for (const c of ['present', 'length', 'strength', 'guessability', 'placeholder', 'unique-name', 'unique-env', 'rotation', 'permissions'] as const) {
    assert.ok(checks.has(c), `check ${c} ran`);
  }
  return [...report.results];
}

const category = fc.constantFrom(...CATEGORY_IDS);
const profile = fc.constantFrom<Profile>('production', 'development');
const hinted = fc.boolean();

test('no message contains the value (any printable or Unicode value of 8+ characters)', () => {
  const value = fc.oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: 8, maxLength: 120 }),
    fc.string({ unit: 'grapheme', minLength: 8, maxLength: 60 }),
    fc.string({ unit: 'binary', minLength: 8, maxLength: 60 }),
  );
  fc.assert(fc.property(value, category, profile, hinted, (v, c, p, h) => {
    for (const r of messagesFor(v, c, p, h)) {
      assert.ok(!r.message.includes(v), `${r.check} leaked the value`);
      assert.ok(r.message.length > 0 && !/[\r\n]/.test(r.message), 'one line');
    }
  }), { numRuns: 300 });
});

test('no message contains any fragment of the value: characters foreign to every message never appear', () => {
  const foreign = [...'абвгдежзийклмнопрстуфхцчшщэюяΑΒΓΔΘΛΞΠΣΦΨΩ★☂☃♞♜✈'];
  const value = fc.array(fc.constantFrom(...foreign), { minLength: 1, maxLength: 80 }).map((cs) => cs.join(''));
  fc.assert(fc.property(value, category, profile, hinted, (v, c, p, h) => {
    for (const r of messagesFor(v, c, p, h)) for (const ch of new Set(v)) assert.ok(!r.message.includes(ch), `${r.check} leaked a character`);
  }), { numRuns: 200 });
});

test('no message contains a six-character window of an ASCII value', () => {
  const value = fc.tuple(
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...'QXZJKVqxzjkv'), minLength: 8, maxLength: 16 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  ).map((parts) => parts.join(''));
  fc.assert(fc.property(value, category, profile, hinted, (v, c, p, h) => {
    const canary = v.match(/[QXZJKVqxzjkv]{8,}/)?.[0] ?? '';
    for (const r of messagesFor(v, c, p, h)) {
      for (let i = 0; i + 6 <= canary.length; i += 1) assert.ok(!r.message.includes(canary.slice(i, i + 6)), `${r.check} leaked part of the value`);
    }
  }), { numRuns: 200 });
});

test('placeholders, defaults and patterned values are never echoed', () => {
  const values = ['changeme', 'your-session-secret-here', 'Password123!Password123!', 'keyboard cat', 'REPLACE_WITH_64_CHAR_SECRET', 'qwertyuiop', 'sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'a'.repeat(64), '<your-api-key>'];
  for (const v of values) {
    for (const p of ['production', 'development'] as const) {
      for (const h of [true, false]) {
        for (const r of messagesFor(v, 'jwt', p, h)) assert.ok(!r.message.includes(v), `${r.check}: ${v}`);
      }
    }
  }
});
