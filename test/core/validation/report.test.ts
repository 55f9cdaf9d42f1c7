import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECK_IDS } from '../../../src/core/validation/index.js';
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
