// Remediation hints: every message that asks for a new value gives a command that works today
// and changes the value (`coffer generate <env> --force --only NAME`; without --force, generate
// keeps existing values), or, when the report's label is no environment (an --env-file run),
// says where to replace the value and names no command at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSecrets, type SecretUnderTest, type ValidationReport } from '../../../src/core/validation/index.js';
import { checkOne, NOW, pick, secret, validate } from './_helpers.js';
import { randomValue } from './_random.js';

const fix = (name: string, env = 'production') => `coffer generate ${env} --force --only ${name}`;

const shared = randomValue('base64url', 86);

/** One of everything that asks for a new value, in production. */
function troubled(): SecretUnderTest[] {
  return [
    secret('SHORT_SECRET', randomValue('base64url', 20), 'jwt'),
    secret('WEAK_SECRET', 'ab'.repeat(40), 'generic'),
    secret('GUESSED_SECRET', 'MyCompanySecret2024!MyCompanySecret2024!', 'generic'),
    secret('PLACEHOLDER_SECRET', 'REPLACE_WITH_64_CHAR_SECRET', 'generic'),
    secret('DB_PASSWORD', randomValue('alphanumeric', 32, ['lower', 'upper', 'digit']), 'database'),
    secret('JWT_SECRET', shared, 'jwt'),
    secret('JWT_REFRESH_SECRET', shared, 'jwt'),
    secret('OVERDUE_KEY', randomValue('hex', 64), 'encryption', { metadata: { rotateBy: '2025-05-01T00:00:00Z' } }),
    secret('SOON_KEY', randomValue('hex', 64), 'encryption', { metadata: { rotateBy: '2025-06-05T00:00:00Z' } }),
    secret('LATER_KEY', randomValue('hex', 64), 'encryption', { metadata: { rotateBy: '2025-06-20T00:00:00Z' } }),
    secret('BAD_DATE_KEY', randomValue('hex', 64), 'encryption', { metadata: { rotateBy: 'soon' } }),
    secret('MISSING_SECRET', undefined, 'generic'),
    secret('EMPTY_SECRET', '', 'generic'),
    secret('OPTIONAL_SECRET', undefined, 'generic', { required: false }),
  ];
}

const otherEnvironments = [{ environment: 'staging', values: new Map([['JWT_SECRET', shared]]) }];
const problems = (report: ValidationReport) => report.results.filter((r) => r.status !== 'pass' && r.check !== 'permissions');

test('weak, short, guessable, placeholder and class-less values name the command that replaces them', () => {
  const report = validate(troubled(), 'production', { otherEnvironments });
  assert.match(pick(report, 'SHORT_SECRET', 'length').message, /needs at least 64 in production\. Replace it with a generated value \(coffer generate production --force --only SHORT_SECRET\)\.$/);
  assert.ok(pick(report, 'WEAK_SECRET', 'strength').message.endsWith(`Replace it with a generated value (${fix('WEAK_SECRET')}).`));
  assert.ok(pick(report, 'GUESSED_SECRET', 'guessability').message.endsWith(`Replace it with a generated random value (${fix('GUESSED_SECRET')}).`));
  assert.equal(pick(report, 'PLACEHOLDER_SECRET', 'placeholder').message, `PLACEHOLDER_SECRET is placeholder text, not a secret; replace it with the real value or a generated one (${fix('PLACEHOLDER_SECRET')}).`);
  assert.ok(pick(report, 'DB_PASSWORD', 'classes').message.endsWith(`; replace it with a generated value (${fix('DB_PASSWORD')}).`));
  assert.ok(pick(report, 'JWT_SECRET', 'unique-name').message.endsWith(`so replace it with a new value (${fix('JWT_SECRET')}).`));
  assert.ok(pick(report, 'JWT_REFRESH_SECRET', 'unique-name').message.includes(fix('JWT_REFRESH_SECRET')));
  assert.equal(pick(report, 'JWT_SECRET', 'unique-env').message, `JWT_SECRET has the same value in production as in staging; every environment needs its own secrets, so replace it with a new value (${fix('JWT_SECRET')}).`);
  assert.match(checkOne('placeholder', 'keyboard cat').message, /well-known default value, the first thing an attacker tries; replace it with a generated value \(coffer generate production --force --only TEST_VALUE\)\.$/);
  assert.match(checkOne('placeholder', `sk_test_${randomValue('alphanumeric', 24)}`, 'api_key').message, /cannot be the production credential; replace it with the live key \(coffer generate production --force --only TEST_VALUE\)\.$/);
});

test('rotation hints replace the value with coffer generate --force; coffer rotate is never named', () => {
  const report = validate(troubled());
  assert.equal(pick(report, 'OVERDUE_KEY', 'rotation').message, `OVERDUE_KEY is overdue for rotation: it was due 2025-05-01 (32 days ago); replace the value now (${fix('OVERDUE_KEY')}).`);
  assert.equal(pick(report, 'SOON_KEY', 'rotation').message, `SOON_KEY rotation is critical: due 2025-06-05, in 3 days; replace the value now (${fix('SOON_KEY')}).`);
  assert.equal(pick(report, 'LATER_KEY', 'rotation').message, `LATER_KEY rotation warning: due 2025-06-20, in 18 days; replace the value before then (${fix('LATER_KEY')}).`);
  assert.ok(pick(report, 'BAD_DATE_KEY', 'rotation').message.endsWith(`replace the value to reset the record (${fix('BAD_DATE_KEY')}).`));
});

test('a missing or empty secret is created without --force (generate, too, treats an empty entry as missing)', () => {
  const report = validate(troubled(), 'development');
  assert.equal(pick(report, 'MISSING_SECRET', 'present').message, 'MISSING_SECRET is required but has no value in development; set it, or create it with coffer generate development --only MISSING_SECRET.');
  assert.ok(pick(report, 'EMPTY_SECRET', 'present').message.endsWith('create it with coffer generate development --only EMPTY_SECRET.'));
  assert.equal(pick(report, 'OPTIONAL_SECRET', 'present').message, 'OPTIONAL_SECRET is optional and has no value in development; if the application needs it, set it, or create it with coffer generate development --only OPTIONAL_SECRET.');
});

test('every hint names the secret and the environment; none is a bare or unknown command', () => {
  for (const profile of ['production', 'development'] as const) {
    for (const r of problems(validate(troubled(), profile, { otherEnvironments }))) {
      assert.doesNotMatch(r.message, /coffer rotate|\(coffer generate\)|coffer generate includes/, r.message);
      const commands = r.message.match(/coffer generate [^)]*?(?=\)|\.$)/g) ?? [];
      assert.equal(commands.length, 1, `${r.secret} ${r.check}: ${r.message}`);
      assert.match(commands[0] ?? '', new RegExp(`^coffer generate ${profile} (--force )?--only ${r.secret}$`), r.message);
    }
  }
});

test('without hintEnvironment (a file label, not an environment) hints name the label and no command', () => {
  const report = validateSecrets({ environment: '.env.production', profile: 'production', secrets: troubled(), now: NOW, otherEnvironments });
  for (const r of problems(report)) {
    assert.doesNotMatch(r.message, /coffer /, `${r.secret} ${r.check}: ${r.message}`);
    assert.match(r.message, /in \.env\.production/, `${r.secret} ${r.check}: ${r.message}`);
  }
  assert.ok(pick(report, 'SHORT_SECRET', 'length').message.endsWith('Replace the value in .env.production with a generated value.'));
  assert.ok(pick(report, 'OVERDUE_KEY', 'rotation').message.endsWith('; replace the value in .env.production now.'));
  assert.equal(pick(report, 'MISSING_SECRET', 'present').message, 'MISSING_SECRET is required but has no value in .env.production; set it in .env.production.');
});

test('names and environments that need it are shell-quoted in commands', () => {
  const report = validateSecrets({ environment: 'qa', hintEnvironment: 'qa', profile: 'development', now: NOW, secrets: [secret("ODD NAME's", 'changeme')] });
  assert.ok(pick(report, "ODD NAME's", 'placeholder').message.includes(`coffer generate qa --force --only 'ODD NAME'\\''s'`));
});
