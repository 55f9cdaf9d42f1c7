import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATEGORIES } from '../../../src/core/categories.js';
import { checkOne, NOW, pick, secret, validate } from './_helpers.js';
import { randomValue } from './_random.js';

const hexKey = () => randomValue('hex', 64);

test('present: a missing required secret fails, a missing optional one warns, and nothing else runs', () => {
  const report = validate([secret('JWT_SECRET', undefined, 'jwt'), secret('SENTRY_DSN', '', 'generic', { required: false })]);
  assert.equal(pick(report, 'JWT_SECRET', 'present').status, 'fail');
  assert.match(pick(report, 'JWT_SECRET', 'present').message, /required.*coffer generate production/);
  assert.equal(pick(report, 'SENTRY_DSN', 'present').status, 'warn');
  assert.deepEqual(report.results.map((r) => r.check), ['present', 'present']);
  assert.equal(checkOne('present', hexKey(), 'encryption').status, 'pass');
});

test('length: at least the category minimum of the profile, counted in code points', () => {
  assert.equal(checkOne('length', randomValue('base64url', 63), 'jwt').status, 'fail');
  assert.match(checkOne('length', randomValue('base64url', 63), 'jwt').message, /63 characters; a JWT signing secret needs at least 64 in production/);
  assert.equal(checkOne('length', randomValue('base64url', 64), 'jwt').status, 'pass');
  assert.equal(checkOne('length', randomValue('base64url', 32), 'jwt', 'development').status, 'pass', 'development minimum is 32');
  assert.equal(checkOne('length', randomValue('base64url', 31), 'jwt', 'development').status, 'fail');
  assert.equal(checkOne('length', 'ä'.repeat(20), 'password', 'production').status, 'pass', '20 code points');
});

test('strength: bits judged by the alphabet used; a 64-character hex key holds 256 bits', () => {
  const key = checkOne('strength', hexKey(), 'encryption');
  assert.equal(key.status, 'pass', key.message);
  assert.match(key.message, /256 bits/);
  const short = checkOne('strength', randomValue('hex', 63) + 'a'.repeat(0), 'encryption', 'production');
  assert.equal(short.status, 'fail');
  assert.match(short.message, /about 252 bits .* 16-symbol alphabet, hex\), below the 256 bits production requires/);
  assert.equal(checkOne('strength', '1234567890'.repeat(7), 'generic').status, 'pass', 'every digit appears: strength is not the check for sequences');
});

test('strength: low diversity fails even when length times alphabet looks large', () => {
  for (const value of ['a'.repeat(64), 'ab'.repeat(40), 'Aa1!'.repeat(20), 'deadbeef'.repeat(8)]) {
    const r = checkOne('strength', value, 'generic');
    assert.equal(r.status, 'fail', value);
    assert.match(r.message, /distinct character/);
  }
  assert.equal(checkOne('strength', randomValue('alphanumeric', 40), 'generic').status, 'pass');
});

test('classes: required classes in production (failure) and relaxed in development', () => {
  const noSymbol = checkOne('classes', randomValue('alphanumeric', 32, ['lower', 'upper', 'digit']), 'database');
  assert.equal(noSymbol.status, 'fail');
  assert.match(noSymbol.message, /has no symbols, which production requires for a database password/);
  const lettersOnly = checkOne('classes', 'abcdefghABCDEFGH'.repeat(2), 'database');
  assert.match(lettersOnly.message, /has no digits and symbols/);
  assert.equal(checkOne('classes', randomValue('alphanumeric+symbols', 32, ['lower', 'upper', 'digit', 'symbol']), 'database').status, 'pass');
  const dev = validate([secret('DB_PASSWORD', randomValue('alphanumeric', 16), 'database')], 'development');
  assert.equal(dev.results.some((r) => r.check === 'classes'), false, 'the catalog requires no classes in development');
  const override = { ...CATEGORIES.database, requiredClasses: { production: CATEGORIES.database.requiredClasses.production, development: ['symbol'] as const } };
  const warned = validate([secret('DB_PASSWORD', randomValue('alphanumeric', 16), 'database', { policy: override })], 'development');
  assert.equal(pick(warned, 'DB_PASSWORD', 'classes').status, 'warn', 'a development class requirement only warns');
});

test('placeholder: templates, known defaults, default words and published keys fail in every profile', () => {
  const placeholders = [
    'REPLACE_WITH_CRYPTOGRAPHICALLY_SECURE_64_CHAR_SECRET', 'CHANGE_ME', 'changeme', 'change-me', 'ChangeMe123!',
    'your-session-secret-here', 'your_api_key_here', 'yourapikeyhere', '<your-api-key>', '<secret>', '{{ jwt_secret }}', '${JWT_SECRET}',
    '$JWT_SECRET', 'xxxxxxxxxxxxxxxxxxxxxxxx', 'sk_live_xxxxxxxxxxxxxxxxxxxxxxxx', '********', 'TODO', 'todo: set me', 'placeholder',
    'example-key', 'AKIAIOSFODNN7EXAMPLE', 'keyboard cat', 'supersecret', 'changeit', 'letmein', 'password123', 'postgres', 'redis',
    'admin', 'root', 'secret', 'password', 'test', 'default', 'dummy', 'sample', 'test-secret-123', 'my_redis_password', 'dev-jwt-secret',
    'production_database_password', 'sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'your-256-bit-secret', 'not-a-real-secret',
  ];
  for (const profile of ['production', 'development'] as const) {
    for (const value of placeholders) assert.equal(checkOne('placeholder', value, 'generic', profile).status, 'fail', `${profile}: ${value}`);
  }
  assert.match(checkOne('placeholder', 'keyboard cat').message, /well-known default/);
  assert.match(checkOne('placeholder', 'CHANGE_ME').message, /placeholder text/);
  assert.match(checkOne('placeholder', 'sk_test_4eC39HqLyjWDarjtT1zdp7dc').message, /published in vendor documentation/);
  assert.match(checkOne('placeholder', 'test-secret-123').message, /default words/);
});

test('placeholder: sandbox keys fail in production only; real values pass', () => {
  const sandbox = `sk_test_${randomValue('alphanumeric', 24)}`;
  assert.equal(checkOne('placeholder', sandbox, 'api_key', 'production').status, 'fail');
  assert.match(checkOne('placeholder', sandbox, 'api_key', 'production').message, /sandbox or development key/);
  assert.equal(checkOne('placeholder', sandbox, 'api_key', 'development').status, 'pass');
  assert.equal(checkOne('placeholder', `django-insecure-${randomValue('alphanumeric', 40)}`, 'session', 'production').status, 'fail');
  for (const value of [randomValue('base64url', 86), hexKey(), `sk_live_${randomValue('alphanumeric', 24)}`, 'correct-horse-battery-staple']) {
    assert.equal(checkOne('placeholder', value).status, 'pass', value);
  }
});

test('unique-name: a value shared by two names fails for both, naming the other', () => {
  const shared = randomValue('base64url', 86);
  const report = validate([secret('JWT_SECRET', shared, 'jwt'), secret('JWT_REFRESH_SECRET', shared, 'jwt'), secret('SESSION_SECRET', randomValue('base64url', 86), 'session')]);
  assert.equal(pick(report, 'JWT_SECRET', 'unique-name').status, 'fail');
  assert.match(pick(report, 'JWT_SECRET', 'unique-name').message, /same value as JWT_REFRESH_SECRET in production/);
  assert.match(pick(report, 'JWT_REFRESH_SECRET', 'unique-name').message, /same value as JWT_SECRET/);
  assert.equal(pick(report, 'SESSION_SECRET', 'unique-name').status, 'pass');
  const many = validate(['A', 'B', 'C', 'D', 'E'].map((n) => secret(`S_${n}`, shared)));
  assert.match(pick(many, 'S_A', 'unique-name').message, /S_B, S_C, S_D and 1 more/);
});

test('unique-env: a value reused by another environment fails, naming it, under the same or any name', () => {
  const jwt = randomValue('base64url', 86);
  const db = randomValue('alphanumeric+symbols', 32, ['lower', 'upper', 'digit', 'symbol']);
  const otherEnvironments = [
    { environment: 'development', values: new Map([['JWT_SECRET', jwt]]) },
    { environment: 'staging', values: new Map([['LEGACY_DB_PASS', db], ['JWT_SECRET', randomValue('base64url', 86)]]) },
  ];
  const report = validate([secret('JWT_SECRET', jwt, 'jwt'), secret('DB_PASSWORD', db, 'database'), secret('SESSION_SECRET', randomValue('base64url', 86), 'session')], 'production', { otherEnvironments });
  assert.equal(pick(report, 'JWT_SECRET', 'unique-env').status, 'fail');
  assert.match(pick(report, 'JWT_SECRET', 'unique-env').message, /same value in production as in development;/);
  assert.match(pick(report, 'DB_PASSWORD', 'unique-env').message, /as in staging \(under LEGACY_DB_PASS\)/);
  assert.equal(pick(report, 'SESSION_SECRET', 'unique-env').status, 'pass');
  assert.equal(validate([secret('JWT_SECRET', jwt, 'jwt')]).results.some((r) => r.check === 'unique-env'), false, 'not run without other environments');
});

test('permissions: 0600 or stricter passes; group or other bits fail with the mode and the chmod command', () => {
  const run = (mode: number | undefined, path = '.env.production') => pick(validate([secret('K', hexKey(), 'encryption')], 'production', { file: { path, mode } }), path, 'permissions');
  assert.equal(run(0o100600).status, 'pass');
  assert.equal(run(0o400).status, 'pass');
  const open = run(0o100644);
  assert.equal(open.status, 'fail');
  assert.match(open.message, /mode 0644\); run chmod 600 \.env\.production/);
  assert.match(run(0o640).message, /accessible to its group \(mode 0640\)/);
  assert.match(run(0o604, 'my secrets/.env').message, /chmod 600 'my secrets\/\.env'/);
  assert.equal(run(undefined).status, 'warn');
  assert.equal(validate([secret('K', hexKey(), 'encryption')]).results.some((r) => r.check === 'permissions'), false);
});

test('rotation: pass, warning, critical and overdue by days left, with the due date', () => {
  const at = (rotateBy: string) => checkOne('rotation', hexKey(), 'encryption', 'production', { metadata: { rotateBy } });
  assert.equal(at('2025-08-01T00:00:00Z').status, 'pass');
  assert.match(at('2025-08-01T00:00:00Z').message, /current: due 2025-08-01, in 60 days/);
  assert.equal(at('2025-07-01T00:00:00Z').status, 'warn');
  assert.match(at('2025-07-01T00:00:00Z').message, /warning: due 2025-07-01, in 29 days/);
  assert.match(at('2025-06-05T00:00:00Z').message, /critical: due 2025-06-05, in 3 days/);
  assert.match(at('2025-06-01T23:00:00Z').message, /critical: .* in 0 days/, 'due later today is not yet overdue');
  const overdue = at('2025-05-01T00:00:00Z');
  assert.equal(overdue.status, 'fail');
  assert.match(overdue.message, /overdue for rotation: it was due 2025-05-01 \(32 days ago\); replace the value now \(coffer generate production --force --only TEST_VALUE\)/);
  assert.equal(at('not a date').status, 'warn');
});

test('rotation: updatedAt plus the rotation period when rotateBy is absent; no metadata, no result', () => {
  const updated = (updatedAt: string, rotationDays: number) => checkOne('rotation', hexKey(), 'encryption', 'production', { metadata: { updatedAt }, rotationDays });
  assert.match(updated('2025-03-01T12:00:00Z', 90).message, /due 2025-05-30 .*overdue|overdue.*2025-05-30/);
  assert.equal(updated('2025-05-01T12:00:00Z', 90).status, 'pass');
  assert.equal(validate([secret('K', hexKey(), 'encryption')]).results.some((r) => r.check === 'rotation'), false);
  assert.ok(NOW instanceof Date);
});

test('reuse: a password-class secret that repeats a recent value fails; without history, or for other categories, no result', () => {
  const password = randomValue('alphanumeric+symbols', 32, ['lower', 'upper', 'digit', 'symbol']);
  const reused = validate([secret('DB_PASSWORD', password, 'database', { history: { reusesPrevious: true, depth: 4 } })]);
  assert.equal(pick(reused, 'DB_PASSWORD', 'reuse').status, 'fail');
  assert.match(pick(reused, 'DB_PASSWORD', 'reuse').message, /repeats one of its last 4 values.*PCI-DSS 8\.3\.7.*coffer generate production --force --only DB_PASSWORD/);
  const fresh = validate([secret('DB_PASSWORD', password, 'database', { history: { reusesPrevious: false, depth: 4 } })]);
  assert.equal(pick(fresh, 'DB_PASSWORD', 'reuse').status, 'pass');
  assert.equal(validate([secret('DB_PASSWORD', password, 'database')]).results.some((r) => r.check === 'reuse'), false, 'no history, no result');
  const jwt = validate([secret('JWT_SECRET', randomValue('base64url', 86), 'jwt', { history: { reusesPrevious: true, depth: 4 } })]);
  assert.equal(jwt.results.some((r) => r.check === 'reuse'), false, 'JWT secrets may repeat (no PCI rule)');
});
