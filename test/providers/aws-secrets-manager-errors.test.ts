/**
 * How the aws-secrets-manager provider fails, through the real SDK against the fake Secrets
 * Manager: one secret denied among many, an expired session token, an unknown key, a wrong
 * secret key (the fake checks the SigV4 signature), a wrong region, throttling with
 * Retry-After, 500s, a silent or unreachable endpoint, no region, no credentials, names and
 * values AWS cannot hold (refused before any call), and a batch that fails part-way and is
 * undone. Each failure has its own code, a one-line message naming the provider's service and
 * the secret, and never a value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejectsWith, withFakeAws } from './_aws-harness.js';
import { readWithoutPackage } from './_missing-sdk.js';
import { EXPIRED_SESSION_TOKEN } from './_fake-aws-secrets-manager.js';

test('access denied on one secret is COFFER_E_ACCESS_DENIED naming the action and the secret, never "not found"; the others still read', () => withFakeAws(async ({ fake, open }) => {
  const provider = open();
  await provider.set('ALLOWED', 'allowed-value-11');
  await provider.set('DENIED', 'denied-value-22');
  fake.deny('app/test/DENIED');
  const error = await rejectsWith(provider.get('DENIED'), 'COFFER_E_ACCESS_DENIED', ['denied-value-22']);
  assert.match(error.message, /AWS Secrets Manager \(region us-east-1.*\) refused GetSecretValue on DENIED \(secret "app\/test\/DENIED"\)/);
  assert.match(error.message, /secretsmanager:GetSecretValue/);
  assert.equal(error.retryable, false);
  assert.equal((await provider.get('ALLOWED')).value, 'allowed-value-11');
  await rejectsWith(provider.set('DENIED', 'refused-write-33'), 'COFFER_E_ACCESS_DENIED', ['refused-write-33']);
}));

test('credentials: an expired session token, an unknown key id and a wrong secret key are each named', () => withFakeAws(async ({ fake, open }) => {
  fake.state.seed('app/test/S', 'credential-test-value');
  const expired = await rejectsWith(open({}, { AWS_SESSION_TOKEN: EXPIRED_SESSION_TOKEN }).get('S'), 'COFFER_E_ACCESS_DENIED', ['credential-test-value']);
  assert.match(expired.message, /session token has expired/);
  const unknown = await rejectsWith(open({}, { AWS_ACCESS_KEY_ID: 'AKIDNOBODY' }).get('S'), 'COFFER_E_ACCESS_DENIED');
  assert.match(unknown.message, /access key id is not recognised/);
  const forged = await rejectsWith(open({}, { AWS_SECRET_ACCESS_KEY: 'not-the-right-secret-key' }).get('S'), 'COFFER_E_ACCESS_DENIED');
  assert.match(forged.message, /signature does not match/);
  assert.equal(fake.requests.filter((r) => r.errorType === 'InvalidSignatureException').length, 1, 'the fake checked the signature and refused it');
}));

test('a region the endpoint does not serve is named in the error', () => withFakeAws(async ({ fake, open }) => {
  fake.state.seed('app/test/S', 'region-test-value');
  const error = await rejectsWith(open({ region: 'eu-west-3' }).get('S'), 'COFFER_E_ACCESS_DENIED', ['region-test-value']);
  assert.match(error.message, /signed for region eu-west-3, which the endpoint does not serve/);
}));

test('throttling is retried after the Retry-After the service sends; throttling that lasts is COFFER_E_UNAVAILABLE, retryable, with the wait', () => withFakeAws(async ({ fake, open }) => {
  fake.state.seed('app/test/BUSY', 'throttled-value');
  fake.inject({ action: 'GetSecretValue', kind: 'throttle', retryAfter: 2, times: 1 });
  assert.equal((await open().get('BUSY')).value, 'throttled-value');
  const [first, second] = fake.requests.filter((r) => r.action === 'GetSecretValue');
  assert.equal(first?.errorType, 'ThrottlingException');
  assert.ok(second !== undefined && second.at - first.at >= 1900, 'the retry waited the 2 s of Retry-After (the SDK alone waits at most 1 s)');
  fake.inject({ action: 'GetSecretValue', kind: 'throttle', retryAfter: 0 });
  const error = await rejectsWith(open({ maxAttempts: 2 }).get('BUSY'), 'COFFER_E_UNAVAILABLE', ['throttled-value']);
  assert.equal(error.retryable, true);
  assert.match(error.message, /throttling GetSecretValue on BUSY .*after 2 attempts/);
  assert.equal(error.details.retryAfterSeconds, 0);
}));

test('a 500 is retried; one that lasts is COFFER_E_UNAVAILABLE, retryable', () => withFakeAws(async ({ fake, open }) => {
  fake.state.seed('app/test/FLAKY', 'flaky-value');
  fake.inject({ kind: 'internal', times: 1 });
  assert.equal((await open().get('FLAKY')).value, 'flaky-value');
  fake.inject({ kind: 'internal' });
  const error = await rejectsWith(open({ maxAttempts: 2 }).get('FLAKY'), 'COFFER_E_UNAVAILABLE', ['flaky-value']);
  assert.equal(error.retryable, true);
  assert.match(error.message, /InternalServiceError, HTTP 500/);
}));

test('a silent endpoint times out and an unreachable one is named: COFFER_E_UNAVAILABLE, retryable', () => withFakeAws(async ({ fake, open }) => {
  fake.inject({ kind: 'hang' });
  const silent = await rejectsWith(open({ timeoutMs: 200, maxAttempts: 1 }).get('SLOW'), 'COFFER_E_UNAVAILABLE');
  assert.match(silent.message, /^Cannot reach AWS Secrets Manager at http:\/\/127\.0\.0\.1:\d+ \(region us-east-1\) for GetSecretValue on SLOW .*timed out waiting for an answer\.$/);
  const port = await closedPort();
  const refused = await rejectsWith(open({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 }).get('ANY'), 'COFFER_E_UNAVAILABLE');
  assert.equal(refused.retryable, true);
  assert.match(refused.message, new RegExp(`at http://127\\.0\\.0\\.1:${port} \\(region us-east-1\\) for GetSecretValue on ANY.*connection refused`));
}));

test('no region anywhere is COFFER_E_CONFIG_INVALID; no credentials anywhere is COFFER_E_ACCESS_DENIED saying where to set them', () => withFakeAws(async ({ open }) => {
  const saved = { ...process.env };
  // The SDK also reads the process environment and ~/.aws; point both at nothing.
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) delete process.env[name];
  Object.assign(process.env, { AWS_CONFIG_FILE: join(tmpdir(), 'coffer-no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'coffer-no-aws-credentials'), AWS_EC2_METADATA_DISABLED: 'true' });
  try {
    const noRegion = await rejectsWith(open({ maxAttempts: 1 }, { AWS_REGION: undefined }).get('X'), 'COFFER_E_CONFIG_INVALID');
    assert.match(noRegion.message, /"region" option or AWS_REGION/);
    const noKeys = await rejectsWith(open({ maxAttempts: 1 }, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }).get('X'), 'COFFER_E_ACCESS_DENIED');
    assert.match(noKeys.message, /no AWS credentials were found/);
  } finally {
    process.env = saved;
  }
}));

test('names and values AWS cannot hold are refused before any call', () => withFakeAws(async ({ fake, open }) => {
  const provider = open();
  await rejectsWith(provider.get(''), 'COFFER_E_USAGE');
  await rejectsWith(provider.set('has space', 'v-1'), 'COFFER_E_USAGE', ['v-1']);
  await rejectsWith(provider.set('N'.repeat(600), 'v-2'), 'COFFER_E_USAGE', ['v-2']);
  await rejectsWith(provider.get('A#'), 'COFFER_E_USAGE');
  await rejectsWith(provider.set('BIG', 'x'.repeat(65_537)), 'COFFER_E_UNSAFE_VALUE');
  await rejectsWith(provider.setMany([{ name: 'TWICE', value: 'a-1' }, { name: 'TWICE', value: 'a-2' }]), 'COFFER_E_USAGE', ['a-1', 'a-2']);
  assert.deepEqual(fake.requests, []);
}));

test('a batch that fails part-way is undone: updated secrets get their current and previous values back, created ones are removed', () => withFakeAws(async ({ fake, open }) => {
  const provider = open();
  await provider.set('ALPHA', 'alpha-older-1');
  await provider.set('ALPHA', 'alpha-live-2');
  await provider.set('GAMMA', 'gamma-live-1');
  fake.deny('app/test/GAMMA');
  const batch = [{ name: 'ALPHA', value: 'alpha-new-3' }, { name: 'BETA', value: 'beta-new-1' }, { name: 'GAMMA', value: 'gamma-new-2' }];
  const error = await rejectsWith(provider.setMany(batch), 'COFFER_E_ACCESS_DENIED', batch.map((w) => w.value));
  assert.match(error.message, /GAMMA.*Nothing was changed: the 2 secrets written before it were restored\./);
  assert.equal((await provider.get('ALPHA')).value, 'alpha-live-2');
  assert.equal((await provider.get('ALPHA', { stage: 'previous' })).value, 'alpha-older-1');
  assert.equal(fake.state.secrets.has('app/test/BETA'), false, 'created, then removed at once (free to create again)');
  await provider.set('BETA', 'beta-later');
  assert.equal((await provider.get('BETA')).value, 'beta-later');
}));

test('a new secret whose value fails to land is not left behind empty', () => withFakeAws(async ({ fake, open }) => {
  fake.inject({ action: 'PutSecretValue', kind: 'internal' });
  await rejectsWith(open({ maxAttempts: 1 }).set('NEW', 'never-landed-value'), 'COFFER_E_UNAVAILABLE', ['never-landed-value']);
  assert.equal(fake.state.secrets.has('app/test/NEW'), false);
}));

test('noReuse refuses any of the last 4 values, compared without showing them', () => withFakeAws(async ({ open }) => {
  const provider = open();
  for (const value of ['pw-one-0001', 'pw-two-0002', 'pw-three-003', 'pw-four-0004', 'pw-five-0005']) await provider.set('DB_PASSWORD', value);
  await rejectsWith(provider.setMany([{ name: 'DB_PASSWORD', value: 'pw-two-0002', noReuse: true }]), 'COFFER_E_REUSED_VALUE', ['pw-two-0002']);
  await provider.setMany([{ name: 'DB_PASSWORD', value: 'pw-one-0001', noReuse: true }]);
  assert.equal((await provider.get('DB_PASSWORD')).value, 'pw-one-0001');
}));

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('without @aws-sdk/client-secrets-manager the provider opens, and its first call is COFFER_E_MISSING_PACKAGE naming the package and its npm install command', async () => {
  const { opened, code, message } = await readWithoutPackage('src/providers/aws-secrets-manager.ts', { region: 'us-east-1' }, '@aws-sdk/client-secrets-manager');
  assert.equal(opened, 'aws-secrets-manager');
  assert.equal(code, 'COFFER_E_MISSING_PACKAGE', message);
  assert.ok(message.includes('needs the @aws-sdk/client-secrets-manager package') && message.includes('npm install @aws-sdk/client-secrets-manager'), message);
});
