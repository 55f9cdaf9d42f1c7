import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECK_IDS, summarise, type CheckResult } from '../../../src/core/validation/index.js';
import { NOW, secret, validate } from './_helpers.js';
import { randomValue } from './_random.js';

test('the report has the documented shape and consistent counts', () => {
  const report = validate([
    secret('JWT_SECRET', randomValue('base64url', 86), 'jwt', { metadata: { rotateBy: '2025-06-20T00:00:00Z' } }),
    secret('DB_PASSWORD', 'changeme', 'database'),
    secret('OPTIONAL_KEY', undefined, 'api_key', { required: false }),
  ], 'production', { file: { path: '.env.production', mode: 0o600 } });
  assert.deepEqual(Object.keys(report).sort(), ['environment', 'results', 'status', 'summary']);
  assert.equal(report.environment, 'production');
  assert.equal(report.status, 'NON-COMPLIANT');
  const { total, passed, failed, warnings } = report.summary;
  assert.equal(total, report.results.length);
  assert.equal(passed + failed + warnings, total);
  assert.equal(failed, report.results.filter((r) => r.status === 'fail').length);
  assert.equal(warnings, 2, 'rotation within 30 days and the missing optional key');
  for (const r of report.results) assert.deepEqual(Object.keys(r).sort(), ['check', 'message', 'secret', 'status']);
});

test('results follow the input order, each secret in check order, the file last', () => {
  const report = validate([secret('B_SECRET', randomValue('base64url', 43)), secret('A_SECRET', randomValue('base64url', 43))], 'production', { file: { path: '.env', mode: 0o600 } });
  assert.deepEqual([...new Set(report.results.map((r) => r.secret))], ['B_SECRET', 'A_SECRET', '.env']);
  const order = report.results.filter((r) => r.secret === 'B_SECRET').map((r) => CHECK_IDS.indexOf(r.check));
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.equal(report.results.at(-1)?.check, 'permissions');
});

test('warnings alone leave the environment compliant; an empty environment is compliant', () => {
  const warned = validate([secret('X_SECRET', randomValue('base64url', 43), 'generic', { metadata: { rotateBy: '2025-06-03T00:00:00Z' } })]);
  assert.equal(warned.summary.warnings, 1);
  assert.equal(warned.status, 'COMPLIANT');
  const empty = validate([]);
  assert.deepEqual(empty.summary, { total: 0, passed: 0, failed: 0, warnings: 0 });
  assert.equal(empty.status, 'COMPLIANT');
});

test('validation is deterministic and leaves its input untouched', () => {
  const secrets = [secret('JWT_SECRET', randomValue('base64url', 86), 'jwt'), secret('JWT_REFRESH_SECRET', 'changeme', 'jwt')];
  const copy = structuredClone(secrets);
  const first = validate(secrets);
  assert.deepEqual(validate(secrets), first);
  assert.deepEqual(secrets, copy);
  assert.ok(NOW.getTime() > 0);
});

test('summarise: NON-COMPLIANT iff any result failed, with the counts; validateSecrets agrees with it', () => {
  const r = (status: CheckResult['status']): CheckResult => ({ secret: 'S', check: 'present', status, message: 'm' });
  assert.deepEqual(summarise('qa', [r('pass'), r('warn'), r('warn')]), {
    environment: 'qa', status: 'COMPLIANT', summary: { total: 3, passed: 1, failed: 0, warnings: 2 }, results: [r('pass'), r('warn'), r('warn')],
  });
  const failing = summarise('qa', [r('warn'), r('fail'), r('pass')]);
  assert.equal(failing.status, 'NON-COMPLIANT');
  assert.deepEqual(failing.summary, { total: 3, passed: 1, failed: 1, warnings: 1 });
  assert.deepEqual(summarise('qa', []), { environment: 'qa', status: 'COMPLIANT', summary: { total: 0, passed: 0, failed: 0, warnings: 0 }, results: [] });
  const report = validate([secret('DB_PASSWORD', 'changeme', 'database'), secret('OPTIONAL_KEY', undefined, 'api_key', { required: false })]);
  assert.deepEqual(summarise(report.environment, report.results), report);
});

test('extraResults: appended after the engine\'s own (and the file\'s), counted in the summary and status', () => {
  const secrets = [secret('JWT_SECRET', randomValue('base64url', 86), 'jwt')];
  const file = { path: '.env.production', mode: 0o600 };
  const plain = validate(secrets, 'production', { file });
  const unread: CheckResult = { secret: '(environment staging)', check: 'unique-env', status: 'warn', message: 'Could not read environment "staging", so reuse across it was not checked.' };
  const warned = validate(secrets, 'production', { file, extraResults: [unread] });
  assert.deepEqual(warned.results, [...plain.results, unread]);
  assert.deepEqual(warned.summary, { ...plain.summary, total: plain.summary.total + 1, warnings: plain.summary.warnings + 1 });
  assert.equal(warned.status, 'COMPLIANT');
  const failed = validate(secrets, 'production', { file, extraResults: [{ ...unread, status: 'fail' }] });
  assert.equal(failed.status, 'NON-COMPLIANT', 'an extra failure makes the environment non-compliant');
  assert.equal(failed.summary.failed, plain.summary.failed + 1);
  assert.deepEqual(validate(secrets, 'production', { file, extraResults: [] }), plain);
});
